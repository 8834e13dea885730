import * as tf from '@tensorflow/tfjs-core';
// Registers the cpu backend set below (and core's gradients), which tf.js core alone does not have.
import '../../engine/tf-core.ts';

/** The engine's fields this module reads; `pendingBackendInit` is private in tf.js's types, public in its code. */
interface EngineState {
  backendName?: string;
  backendInstance?: unknown;
  pendingBackendInit?: Promise<boolean> | null;
}

const engine = () => tf.engine() as unknown as EngineState;

/**
 * Pre-flight builds the model and adapter in the calling process (main, the server, the CLI), synchronously. When
 * nothing chose a backend there yet, the pure-JS cpu backend is set: it initialises synchronously and its tensors
 * are plain typed arrays, which is all a shape check needs.
 */
export function ensureSyncBackend(): void {
  const e = engine();
  if (e.backendInstance) return;
  if (e.pendingBackendInit)
    // Importing the engine's ops starts the wasm backend's asynchronous init (wasm-kernels.ts): a caller that runs
    // pre-flight right after its imports must await preflightReady() first.
    throw new Error('pre-flight called while a tf.js backend initialises; await preflightReady() first');
  // tf.js prints a "use tfjs-node" banner under Node otherwise (engine/backends.ts makes the same choice).
  tf.env().set('PROD', true);
  void tf.setBackend('cpu');
}

/** Waits for a backend init started at import (if any), then makes sure pre-flight has a backend. */
export async function preflightReady(): Promise<void> {
  const pending = engine().pendingBackendInit;
  if (pending) await pending;
  if (!engine().backendInstance) {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  }
}
