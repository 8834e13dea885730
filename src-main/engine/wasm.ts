/**
 * Registers the wasm backend (SIMD; XNNPACK) under Node: the threaded build when more than one thread is asked for
 * (wasm-threads.ts, STUDIO_THREADS), and the faster slice kernels (wasm-kernels.ts).
 */
import os from 'node:os';
import './tf-core.ts';
import '@tensorflow/tfjs-backend-wasm';
import { installFastWasmKernels } from './wasm-kernels.ts';
import { initWasmThreads } from './wasm-threads.ts';

/** Initialises the wasm backend now, so a broken wasm binary is reported by the probe, not by the first op. */
export async function registerWasm(): Promise<{ reason: string; device: string; threads: number }> {
  installFastWasmKernels();
  const threads = await initWasmThreads();
  const cpu = os.cpus()[0]?.model ?? 'CPU';
  const how = threads > 1 ? `threaded SIMD, ${threads} threads` : 'SIMD, 1 thread';
  return { reason: `WebAssembly ${how} with XNNPACK (the CPU path)`, device: `${cpu} (wasm)`, threads };
}
