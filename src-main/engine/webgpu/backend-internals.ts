/**
 * The parts of tf.js's WebGPUBackend (4.22) that step capture and our own kernels use. They are not public API, so
 * they are named here once, with the version they were read from; `webgpuBackend()` checks that they exist so a
 * tf.js upgrade that moves them fails loudly instead of misbehaving.
 */
import * as tf from '@tensorflow/tfjs-core';

/* eslint-disable @typescript-eslint/no-explicit-any -- WebGPU handle types come from Dawn at run time */
export type GpuBuffer = any;
export type GpuDevice = any;
export type GpuPipeline = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface TensorData {
  dtype: tf.DataType;
  shape: number[];
  values: ArrayLike<number> | null;
  resource: GpuBuffer | null;
  refCount: number;
}

export interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

export interface WebGpuProgram {
  /** Our programs' own name (tf.js rewrites shaderKey with shapes); profiles label dispatches with it. */
  name?: string;
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  pipeline?: GpuPipeline;
  getUserCode(): string;
}

export interface UniformInput {
  type: 'int32' | 'uint32' | 'float32';
  data: number[];
}

export interface WebGpuBackendInternals {
  device: GpuDevice;
  queue: {
    submit(buffers: unknown[]): void;
    writeBuffer(
      buffer: GpuBuffer,
      offset: number,
      data: ArrayBuffer,
      dataOffset?: number,
      size?: number,
    ): void;
  };
  tensorMap: { get(dataId: object): TensorData | undefined; has(dataId: object): boolean };
  bufferManager: {
    freeBuffers: Map<string, GpuBuffer[]>;
    numFreeBuffers: number;
    numBytesAllocated: number;
    acquireBuffer(...args: unknown[]): GpuBuffer;
  };
  commandEncoder: unknown;
  /** Compiled GPU programs by shader key (read only to count them for the run log). */
  pipelineCache?: Record<string, unknown>;
  uploadToGPU(dataId: object): void;
  recordAndSubmit(
    program: WebGpuProgram,
    output: TensorInfo,
    inputs: TensorInfo[],
    uniforms?: UniformInput[],
  ): void;
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: TensorInfo[],
    dtype: tf.DataType,
    uniforms?: UniformInput[],
  ): TensorInfo;
  /** Frees an intermediate a kernel made with runWebGPUProgram (tf.js's own kernels do the same). */
  disposeData(dataId: object, force?: boolean): boolean;
  getBufferData(buffer: GpuBuffer): Promise<ArrayBuffer>;
  readSync(dataId: object): unknown;
  copyBuffer(buffer: GpuBuffer): GpuBuffer;
  readToGPU(dataId: object): unknown;
  endComputePassEncoder(): void;
  submitQueue(): void;
  /** Waits for the pipelines compiled with WEBGPU_ENGINE_COMPILE_ONLY on and puts them in the cache. */
  checkCompileCompletionAsync(): Promise<void>;
}

const REQUIRED = [
  'uploadToGPU',
  'recordAndSubmit',
  'runWebGPUProgram',
  'getBufferData',
  'readSync',
  'copyBuffer',
  'readToGPU',
  'endComputePassEncoder',
  'submitQueue',
  'checkCompileCompletionAsync',
] as const;

/** The active backend as WebGPU internals, or null when the active backend is not webgpu. */
export function webgpuBackend(): WebGpuBackendInternals | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const b = tf.backend() as unknown as WebGpuBackendInternals;
  for (const m of REQUIRED) {
    if (typeof b[m] !== 'function') {
      throw new Error(`tf.js webgpu backend: ${m} not found (written for tfjs-backend-webgpu 4.22)`);
    }
  }
  if (!b.tensorMap || !b.bufferManager || !b.device) {
    throw new Error('tf.js webgpu backend: internals not found (written for tfjs-backend-webgpu 4.22)');
  }
  return b;
}

/** The GPU buffer holding a tensor's data, uploading it first if it is still on the CPU. */
export function bufferOf(b: WebGpuBackendInternals, t: { dataId: object }): GpuBuffer {
  b.uploadToGPU(t.dataId);
  const d = b.tensorMap.get(t.dataId);
  if (!d?.resource) throw new Error('tensor has no GPU buffer');
  return d.resource;
}

/** WebGPU usage flags (the GPUBufferUsage globals exist only once Dawn's globals are installed). */
export const Usage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;
