/**
 * Peak GPU memory of tf.js's webgpu backend, as the benches report it beside torch.cuda.max_memory_allocated.
 *
 * tf.js exposes `tf.memory().numBytesInGPU` (bytes of buffers tensors hold now) and `numBytesAllocatedInGPU` (every
 * buffer its BufferManager created and has not destroyed: in use, in its free pool for reuse, or taken by a
 * captured step). Neither is a high-water mark, and the free pool only grows, so the pool is what the process
 * really holds on the GPU: the counterpart of torch's caching allocator (max_memory_reserved), not of its live
 * tensors. Both are sampled at every buffer the manager hands out (acquireBuffer wrapped), so no peak inside a
 * step is missed. Not counted: the few buffers our own code makes with device.createBuffer (a captured step's
 * staging and uniforms, a few KB to MB).
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from '../../src-main/engine/webgpu/backend-internals.ts';

interface Manager {
  numBytesUsed: number;
  numBytesAllocated: number;
  acquireBuffer: (...a: unknown[]) => unknown;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0
    ? NaN
    : s.length % 2
      ? (s[m] as number)
      : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const MB = 2 ** 20;

export class GpuPeak {
  #inUse = 0;
  #pool = 0;
  #tensorBytes = 0;
  readonly #manager: Manager | null;
  readonly #original: Manager['acquireBuffer'] | null = null;

  constructor() {
    this.#manager = (webgpuBackend()?.bufferManager as unknown as Manager | undefined) ?? null;
    const m = this.#manager;
    if (!m) return;
    const original = m.acquireBuffer;
    this.#original = original;
    m.acquireBuffer = (...a: unknown[]) => {
      const buffer = original.apply(m, a);
      this.#inUse = Math.max(this.#inUse, m.numBytesUsed);
      this.#pool = Math.max(this.#pool, m.numBytesAllocated);
      return buffer;
    };
  }

  /**
   * Destroys the buffers in tf.js's free pool and restarts the high-water marks from what is held now. Called once
   * the random weights are built: making a 1 GB embedding leaves several 1 GB temporaries in the pool, which no
   * later tensor of another size reuses and which a model loaded from a file would not have made.
   */
  dropFreePool(): void {
    const m = this.#manager as
      | (Manager & { freeBuffers: Map<string, { destroy(): void; size: number }[]>; numFreeBuffers: number })
      | null;
    if (!m) return;
    for (const list of m.freeBuffers.values()) {
      for (const buf of list) {
        m.numBytesAllocated -= buf.size;
        buf.destroy();
      }
      list.length = 0;
    }
    m.numFreeBuffers = 0;
    this.#inUse = m.numBytesUsed;
    this.#pool = m.numBytesAllocated;
  }

  /**
   * On webgpu: the pool's high-water mark (`peakGpuMB`) and the most bytes tensors held at once
   * (`peakInUseMB`, which misses what a captured step took out of the pool). Elsewhere: tensors' bytes now.
   */
  report(): Record<string, number | string> {
    const m = this.#manager;
    if (!m) {
      this.#tensorBytes = Math.max(this.#tensorBytes, tf.memory().numBytes);
      return { peakMemoryMB: this.#tensorBytes / MB, memoryMeasure: 'tf.memory().numBytes' };
    }
    this.#pool = Math.max(this.#pool, m.numBytesAllocated);
    return {
      peakGpuMB: this.#pool / MB,
      peakInUseMB: this.#inUse / MB,
      memoryMeasure: 'webgpu BufferManager numBytesAllocated high-water',
    };
  }

  dispose(): void {
    if (this.#manager && this.#original) this.#manager.acquireBuffer = this.#original;
  }
}
