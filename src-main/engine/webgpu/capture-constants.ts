/**
 * Uploads a captured step's replay need not repeat. A step uploads constants (an attention mask's bias, a scalar
 * such as 1 - p of a dropout) into buffers from tf.js's pool; when a kernel earlier in the step wrote the same pooled
 * buffer, a replay had to copy the constant back each time, and each copy ended the compute pass around it. Here a
 * constant gets a buffer of its own, written once, and the kernels that read it read that buffer instead: a
 * replay is then one compute pass of dispatches (test/main/engine/webgpu/step-capture.test.ts counts them).
 * Buffers whose contents matter after the step (state, inputs, outputs, live tensors) keep their uploads as copies,
 * except one uploaded once that no kernel writes: its value stays where the recording left it.
 */
import { bufferOf, Usage } from './backend-internals.ts';
import type { GpuBuffer, WebGpuBackendInternals } from './backend-internals.ts';
import type { Recorded, Recording } from './step-recording.ts';

export interface ConstantPlan {
  /** Uploads a replay must still copy, in the order of the events. */
  copied: Set<Recorded>;
  /** Each dispatch's buffers (output first) with the constants it reads moved to their own buffers. */
  buffers: Map<Recorded, GpuBuffer[]>;
  /** The buffers made for constants; the capture destroys them with itself. */
  made: GpuBuffer[];
}

const sizeOf = (buf: GpuBuffer) => (buf as { size: number }).size;

export function planConstants(b: WebGpuBackendInternals, rec: Recording): ConstantPlan {
  const keep = new Set<GpuBuffer>([
    ...rec.stateStart,
    ...rec.stateEnd,
    ...rec.inputs.map((t) => bufferOf(b, t)),
    ...rec.outputs.map((t) => bufferOf(b, t)),
    ...rec.live.map(([buf]) => buf),
  ]);
  const written = new Set<GpuBuffer>();
  const uploads = new Map<GpuBuffer, number>();
  for (const e of rec.events) {
    if (e.kind === 'dispatch') written.add(e.buffers[0]);
    else uploads.set(e.dst, (uploads.get(e.dst) ?? 0) + 1);
  }
  const plan: ConstantPlan = { copied: new Set(), buffers: new Map(), made: [] };
  /** Pooled buffer -> the buffer of the constant it holds at this point of the step. */
  const moved = new Map<GpuBuffer, GpuBuffer>();
  for (const e of rec.events) {
    if (e.kind === 'dispatch') {
      plan.buffers.set(
        e,
        e.buffers.map((buf, i) => (i > 0 ? (moved.get(buf) ?? buf) : buf)),
      );
      moved.delete(e.buffers[0]);
      continue;
    }
    if (keep.has(e.dst)) {
      if (written.has(e.dst) || uploads.get(e.dst) !== 1) plan.copied.add(e);
      continue;
    }
    const own = b.device.createBuffer({
      size: sizeOf(e.dst),
      usage: Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST,
    });
    b.queue.writeBuffer(own, 0, e.bytes.buffer as ArrayBuffer, e.bytes.byteOffset, e.bytes.byteLength);
    plan.made.push(own);
    moved.set(e.dst, own);
  }
  return plan;
}

/** A buffer made with `bytes` in it. */
export function gpuBuffer(b: WebGpuBackendInternals, bytes: Uint8Array, usage: number): GpuBuffer {
  const size = Math.max(4, Math.ceil(bytes.length / 4) * 4);
  const buf = b.device.createBuffer({ size, usage, mappedAtCreation: true });
  new Uint8Array(buf.getMappedRange() as ArrayBuffer).set(bytes);
  buf.unmap();
  return buf;
}

/** One uniform buffer holding every dispatch's uniforms, each at an offset the device accepts for binding. */
export function uniformBuffer(
  b: WebGpuBackendInternals,
  rec: Recording,
): { buffer: GpuBuffer; offsets: number[] } {
  const align = Number(b.device.limits?.minUniformBufferOffsetAlignment ?? 256);
  const offsets: number[] = [];
  let size = 0;
  for (const e of rec.events) {
    if (e.kind !== 'dispatch') continue;
    offsets.push(size);
    size += Math.ceil(Math.max(4, e.uniform.length) / align) * align;
  }
  const bytes = new Uint8Array(Math.max(4, size));
  let i = 0;
  for (const e of rec.events) if (e.kind === 'dispatch') bytes.set(e.uniform, offsets[i++]);
  return { buffer: gpuBuffer(b, bytes, Usage.UNIFORM), offsets };
}
