/**
 * Registers the wasm backend (SIMD; XNNPACK) under Node. The threaded build is set up in wasm-threads.ts when
 * available; this file only makes sure the plain backend initialises.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export async function registerWasm(): Promise<{ reason: string; device: string }> {
  // Initialise now so a broken wasm binary is reported by the probe, not by the first op.
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('the wasm module failed to initialise');
  const cpu = os.cpus()[0]?.model ?? 'CPU';
  return { reason: 'WebAssembly SIMD with XNNPACK (the CPU path)', device: `${cpu} (wasm)` };
}
