/**
 * The WebGPU device's buffer limits, as tf.js requested them (it asks for the adapter's own maxBufferSize and
 * maxStorageBufferBindingSize, above WebGPU's 256 MB / 128 MB defaults). WebGPU exposes no memory heap size, so the
 * GPU's total memory comes from the user (STUDIO_GPU_MEMORY_MB, training/preflight/gpu-fit.ts).
 */
import { webgpuBackend } from './backend-internals.ts';

export interface GpuBufferLimits {
  /** Largest buffer the device creates, bytes. */
  maxBufferSize: number;
  /** Largest buffer a kernel binds as storage, bytes: every tensor tf.js computes on is such a binding. */
  maxStorageBufferBindingSize: number;
}

/** The active webgpu device's limits, or null on another backend. */
export function gpuLimits(): GpuBufferLimits | null {
  const b = webgpuBackend();
  if (!b) return null;
  const limits = (b.device as { limits: GpuBufferLimits }).limits;
  return {
    maxBufferSize: Number(limits.maxBufferSize),
    maxStorageBufferBindingSize: Number(limits.maxStorageBufferBindingSize),
  };
}
