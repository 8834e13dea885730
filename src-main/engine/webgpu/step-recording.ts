/**
 * Recording one training step's GPU work on tf.js's webgpu backend (what step-capture.ts replays): every dispatch
 * with its buffers and uniform bytes, every upload with its bytes, and which buffers are temporaries.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferOf } from './backend-internals.ts';
import type {
  GpuBuffer,
  GpuPipeline,
  TensorInfo,
  UniformInput,
  WebGpuBackendInternals,
  WebGpuProgram,
} from './backend-internals.ts';
import { CaptureRefused } from './capture-errors.ts';

export type Recorded =
  | {
      kind: 'dispatch';
      /** The tf.js program and its output shape, for profiles. */
      label: string;
      pipeline: GpuPipeline;
      dispatch: [number, number, number];
      buffers: GpuBuffer[];
      uniform: Uint8Array;
    }
  | { kind: 'upload'; dst: GpuBuffer; bytes: Uint8Array };

export interface Recording {
  events: Recorded[];
  /** The tensor (data id) that last used each buffer, to tell temporaries from live tensors. */
  owners: Map<GpuBuffer, object>;
  stateStart: GpuBuffer[];
  stateEnd: GpuBuffer[];
  inputs: tf.Tensor[];
  outputs: tf.Tensor[];
  /** Temporaries taken out of tf.js's free pool right after the step, so nothing reuses them. */
  taken: GpuBuffer[];
  /** Buffers of live tensors the step uses, with the tensor that must still own each. */
  live: [GpuBuffer, object][];
  /**
   * Per buffer, the events before which tf.js handed it out for a new tensor (from its pool or new): a temporary's
   * buffer between two of these holds one tensor (capture-memory.ts shares those stretches).
   */
  acquired: Map<GpuBuffer, number[]>;
}

export interface CaptureSpec {
  /** Variables carried from step to step. */
  state: readonly tf.Variable[];
}

const bytesOf = (values: ArrayLike<number>, dtype: tf.DataType): Uint8Array => {
  const typed = dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
  return new Uint8Array(typed.buffer);
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Runs `fn` on the webgpu backend while noting every dispatch and upload it makes. */
export function recordOnce(
  b: WebGpuBackendInternals,
  stepInputs: readonly tf.Tensor[],
  fn: () => tf.Tensor[],
  spec: CaptureSpec,
): Recording {
  flush(b);
  const inputs = stepInputs.map((t) => {
    bufferOf(b, t);
    return tf.clone(t);
  });
  const stateStart = spec.state.map((v) => bufferOf(b, v));
  const events: Recorded[] = [];
  const owners = new Map<GpuBuffer, object>();
  let problem: string | null = null;
  let pendingUniform: Uint8Array | null = null;
  let inDispatch = false;

  const acquired = new Map<GpuBuffer, number[]>();
  const manager = b.bufferManager;
  const acquire = manager.acquireBuffer;
  const realQueue = b.queue;
  const orig = {
    recordAndSubmit: b.recordAndSubmit,
    uploadToGPU: b.uploadToGPU,
    getBufferData: b.getBufferData,
    readSync: b.readSync,
    copyBuffer: b.copyBuffer,
    readToGPU: b.readToGPU,
  };
  /** Reading back inside the step would make it data-dependent: refused at once (tf.js would block anyway). */
  const refuse = (what: string) => () => {
    throw new CaptureRefused(`the step ${what}`);
  };
  b.queue = {
    submit: (x: unknown[]) => realQueue.submit(x),
    writeBuffer: (buf: GpuBuffer, off: number, data: ArrayBuffer, dataOff = 0, size?: number) => {
      if (inDispatch)
        pendingUniform = new Uint8Array(data, dataOff, size ?? data.byteLength - dataOff).slice();
      else problem ??= 'the step writes a buffer outside a kernel';
      realQueue.writeBuffer(buf, off, data, dataOff, size);
    },
  };
  b.recordAndSubmit = (program: WebGpuProgram, output: TensorInfo, ins: TensorInfo[], u?: UniformInput[]) => {
    pendingUniform = null;
    inDispatch = true;
    try {
      orig.recordAndSubmit.call(b, program, output, ins, u);
    } finally {
      inDispatch = false;
    }
    const tensors = [output, ...ins];
    const buffers = tensors.map((t) => b.tensorMap.get(t.dataId)?.resource);
    tensors.forEach((t, i) => owners.set(buffers[i], t.dataId));
    if (
      !pendingUniform ||
      buffers.some(
        (x) => !(x instanceof (globalThis as unknown as { GPUBuffer: new () => object }).GPUBuffer),
      )
    ) {
      problem ??= `kernel ${program.shaderKey} uses a resource other than buffers`;
      return;
    }
    events.push({
      kind: 'dispatch',
      label: `${program.name ?? program.constructor.name}[${program.outputShape.join('x')}]`,
      pipeline: program.pipeline,
      dispatch: [...program.dispatch],
      buffers,
      uniform: pendingUniform,
    });
  };
  b.uploadToGPU = (dataId: object) => {
    const d = b.tensorMap.get(dataId);
    const bytes = d && d.resource == null && d.values != null ? bytesOf(d.values, d.dtype) : null;
    orig.uploadToGPU.call(b, dataId);
    if (bytes && d) {
      events.push({ kind: 'upload', dst: d.resource, bytes });
      owners.set(d.resource, dataId);
    }
  };
  manager.acquireBuffer = (...args: unknown[]) => {
    const buf = acquire.apply(manager, args);
    const at = acquired.get(buf);
    if (at) at.push(events.length);
    else acquired.set(buf, [events.length]);
    return buf;
  };
  b.getBufferData = refuse('reads data back from the GPU');
  const readGpu = refuse('reads data back from the GPU');
  // Small tensors still on the CPU are read where they are (tf.js does so for constants): no GPU read-back.
  b.readSync = (dataId: object) =>
    b.tensorMap.get(dataId)?.values != null ? orig.readSync.call(b, dataId) : readGpu();
  b.copyBuffer = refuse('copies external GPU data');
  b.readToGPU = refuse('copies GPU data out of tf.js');
  let outputs: tf.Tensor[] = [];
  try {
    outputs = fn();
  } catch (err) {
    tf.dispose(inputs);
    throw err;
  } finally {
    Object.assign(b, orig);
    manager.acquireBuffer = acquire;
    b.queue = realQueue;
    flush(b);
  }
  if (problem) {
    tf.dispose(inputs);
    tf.dispose(outputs);
    throw new CaptureRefused(problem);
  }
  const stateEnd = spec.state.map((v) => bufferOf(b, v));
  const rec: Recording = {
    events,
    owners,
    stateStart,
    stateEnd,
    inputs,
    outputs,
    taken: [],
    live: [],
    acquired,
  };
  takeBuffers(b, rec);
  return rec;
}

/** Takes the recording's temporaries out of tf.js's free pool; notes which live tensors own the rest. */
function takeBuffers(b: WebGpuBackendInternals, rec: Recording): void {
  const wanted = new Set<GpuBuffer>([...rec.owners.keys(), ...rec.stateStart]);
  const taken = new Set<GpuBuffer>();
  for (const list of b.bufferManager.freeBuffers.values()) {
    for (let i = list.length - 1; i >= 0; i--) {
      if (wanted.has(list[i])) {
        taken.add(list[i]);
        list.splice(i, 1);
        b.bufferManager.numFreeBuffers--;
      }
    }
  }
  rec.taken = [...taken];
  for (const [buffer, dataId] of rec.owners) {
    if (taken.has(buffer)) continue;
    if (b.tensorMap.get(dataId)?.resource === buffer) rec.live.push([buffer, dataId]);
    else rec.live.push([buffer, {}]); // owned by nothing we know: the capture will refuse it (see build)
  }
}

/** Submits whatever tf.js has encoded, so its pending disposals return their buffers to the pool. */
export function flush(b: WebGpuBackendInternals): void {
  b.endComputePassEncoder();
  if (b.commandEncoder) b.submitQueue();
}

/** Why two recordings of consecutive steps differ (null when they are the same program). */
export function difference(a: Recording, b: Recording): string | null {
  if (a.events.length !== b.events.length) {
    return `${a.events.length} vs ${b.events.length} GPU commands`;
  }
  for (let i = 0; i < a.events.length; i++) {
    const x = a.events[i];
    const y = b.events[i];
    if (!x || !y || x.kind !== y.kind) return `command ${i} differs`;
    if (x.kind === 'upload' && y.kind === 'upload') {
      if (!sameBytes(x.bytes, y.bytes)) return `command ${i} uploads data that changes between steps`;
    } else if (x.kind === 'dispatch' && y.kind === 'dispatch') {
      if (
        x.pipeline !== y.pipeline ||
        !sameBytes(x.uniform, y.uniform) ||
        x.dispatch.join() !== y.dispatch.join()
      )
        return `kernel ${i} differs between steps`;
    }
  }
  return null;
}

/** Gives a recording's inputs, outputs and taken buffers back to tf.js. */
export function release(r: Recording, b: WebGpuBackendInternals): void {
  tf.dispose(r.inputs);
  tf.dispose(r.outputs);
  for (const buf of r.taken) {
    const key = `${(buf as { size: number }).size}_${(buf as { usage: number }).usage}`;
    const list = b.bufferManager.freeBuffers.get(key);
    if (list) {
      list.push(buf);
      b.bufferManager.numFreeBuffers++;
    } else buf.destroy();
  }
  r.taken = [];
}
