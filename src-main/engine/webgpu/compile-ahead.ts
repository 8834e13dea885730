/**
 * Compiling a run's GPU programs in parallel before its first step. tf.js compiles each program when a kernel
 * first runs, one after another on the JavaScript thread: a BERT-small LoRA step's first run compiles ~80 programs
 * and took 0.5-0.7 s on an H100, 1.7-1.9 s on a machine whose driver had not compiled them before. In tf.js's
 * compile-only mode (WEBGPU_ENGINE_COMPILE_ONLY) kernels dispatch nothing and their pipelines are created with
 * createComputePipelineAsync, which Dawn compiles on its worker threads; the step then runs with all of them ready.
 *
 * Nothing a compile-only pass computes is real: its outputs are never written. So the pass must read nothing back,
 * and every variable it reassigns (the weights and moments an optimizer step updates) is put back afterwards.
 * Variables it would create would hold garbage: the caller makes them first (AdamW.ensureSlots).
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';

/** Whether compiling ahead is on (webgpu; STUDIO_GPU_COMPILE_AHEAD=0 turns it off, to time both ways). */
export const compileAheadEnabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.STUDIO_GPU_COMPILE_AHEAD !== '0' && webgpuBackend() !== null;

/**
 * Runs `fn` in compile-only mode, disposes its outputs, restores the variables it reassigned, awaits the programs;
 * returns how many programs it compiled and in how many seconds.
 */
export async function compileAhead(fn: () => tf.Tensor[]): Promise<{ programs: number; seconds: number }> {
  const b = webgpuBackend();
  if (!b) return { programs: 0, seconds: 0 };
  const start = performance.now();
  const known = Object.keys(b.pipelineCache ?? {}).length;
  const variables = Object.values(tf.engine().state.registeredVariables);
  // A clone shares its variable's data: it keeps the values alive while the pass points the variable elsewhere.
  const kept = variables.map((v) => ({ v, dataId: v.dataId, values: tf.clone(v) }));
  const before = new Set(variables);
  tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', true);
  try {
    tf.dispose(fn());
  } finally {
    tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', false);
    for (const k of kept) {
      if (k.v.dataId !== k.dataId) k.v.assign(k.values);
      k.values.dispose();
    }
  }
  const made = Object.values(tf.engine().state.registeredVariables).filter((v) => !before.has(v));
  await b.checkCompileCompletionAsync();
  if (made.length > 0)
    throw new Error(
      `compiling ahead made variables it could not fill: ${made.map((v) => v.name).join(', ')}`,
    );
  const programs = Object.keys(b.pipelineCache ?? {}).length - known;
  return { programs, seconds: (performance.now() - start) / 1000 };
}
