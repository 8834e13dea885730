/**
 * Record one training step's GPU work on tf.js's webgpu backend and replay it, like CUDA graphs. tf.js spends
 * ~140 µs of JavaScript per kernel on a GPU (shape checks, tape, pipeline lookup, bind groups, uniform uploads),
 * so a BERT-small step of ~1,900 kernels costs ~250 ms while the GPU works ~12 ms of it (test/bench/RESULTS.md).
 * A replay issues the same dispatches with bind groups and uniforms made once: a few µs per kernel.
 *
 * What a step may do, so that its replay is exact:
 * - read and write only GPU buffers: no read-back inside the step (a data-dependent step cannot be replayed);
 * - take everything that changes between steps (batch, dropout seed, learning rate) from the declared `inputs`,
 *   whose buffers are rewritten before each replay; every other upload inside the step is treated as a constant.
 *   Two recordings of consecutive steps are compared, so a step that uploads changing data without declaring it
 *   is refused rather than replayed wrong;
 * - carry state only in the declared `state` variables (weights, optimizer moments): before each replay their
 *   current values are copied to where the recorded step reads them.
 * Buffers the recording used as temporaries are taken out of tf.js's pool so nothing else reuses them; the
 * capture checks before every replay that the tensors it reads still own their buffers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bufferOf, Usage, webgpuBackend } from './backend-internals.ts';
import type { GpuBuffer, GpuPipeline, WebGpuBackendInternals } from './backend-internals.ts';
import { CaptureRefused, CaptureStale } from './capture-errors.ts';
import { difference, flush, recordOnce, release } from './step-recording.ts';
import { PassTimer } from './pass-timer.ts';
import type { CommandEncoder, KernelTime, PassTime } from './pass-timer.ts';
import type { CaptureSpec, Recording } from './step-recording.ts';
import { gpuBuffer, planConstants, uniformBuffer } from './capture-constants.ts';
import { planStateCopies, shareTemporaries } from './capture-memory.ts';
import { encodeCommands, submitParts } from './replay-encode.ts';
import type { Command } from './replay-encode.ts';

export { CaptureRefused, CaptureStale } from './capture-errors.ts';
export type { CaptureSpec } from './step-recording.ts';
export type { KernelTime, PassTime } from './pass-timer.ts';

/**
 * Records a step twice (two real, consecutive training steps) and, when both are the same program, replays it.
 * Usage: `const r = new StepRecorder({ state })`, `r.record(inputs, fn)` on two steps (read their outputs as usual), then
 * `const step = r.build()` and `await step.replay(nextInputs)` for the following steps.
 */
export class StepRecorder {
  #recordings: Recording[] = [];
  readonly #b: WebGpuBackendInternals;

  constructor(readonly spec: CaptureSpec) {
    const b = webgpuBackend();
    if (!b) throw new CaptureRefused('step capture needs the webgpu backend');
    this.#b = b;
  }

  /**
   * Runs one step eagerly, recording it; returns the step's outputs (the caller owns them). `inputs` are this
   * step's tensors that change from step to step (a replay takes the next step's in the same order).
   */
  record(inputs: readonly tf.Tensor[], fn: () => tf.Tensor[]): tf.Tensor[] {
    // Comparing two recordings needs only their commands: the earlier one's buffers go back to tf.js's pool first,
    // so this one reuses them instead of holding a second set (a GPT-2 medium LoRA step's temporaries are GBs).
    for (const r of this.#recordings) release(r, this.#b);
    const rec = recordOnce(this.#b, inputs, fn, this.spec);
    this.#recordings.push(rec);
    while (this.#recordings.length > 2) this.#recordings.shift();
    return rec.outputs.map((t) => tf.clone(t));
  }

  /** The replayable step from the last two recordings; throws CaptureRefused with the reason when it cannot be. */
  build(): CapturedStep {
    const [a, last] = this.#recordings;
    if (!a || !last) throw new CaptureRefused('two recorded steps are needed');
    const diff = difference(a, last);
    if (diff) throw new CaptureRefused(`the step is not the same program every time: ${diff}`, true);
    if (last.live.some(([buf, owner]) => this.#b.tensorMap.get(owner)?.resource !== buf))
      throw new CaptureRefused('a buffer of the step is neither free nor owned by a live tensor');
    release(a, this.#b);
    this.#recordings = [];
    return new CapturedStep(this.#b, last, this.spec.state);
  }

  dispose(): void {
    for (const r of this.#recordings) release(r, this.#b);
    this.#recordings = [];
  }
}

/** A recorded step, replayed with new inputs; see the file comment for what it assumes. */
export class CapturedStep {
  readonly #b: WebGpuBackendInternals;
  readonly #rec: Recording;
  readonly #commands: Command[] = [];
  /** Buffers this capture made (uniforms, constants, scratch); destroyed on dispose. */
  readonly #owned: GpuBuffer[] = [];
  readonly #stateCopies: { src: GpuBuffer; dst: GpuBuffer; size: number }[] = [];
  /**
   * Two buffers the outputs are read through, used in turn: a step can be launched while the previous step's
   * outputs are still being read (launch).
   */
  readonly #staging: { buffer: GpuBuffer; read: Promise<unknown> }[];
  #nextStaging = 0;
  readonly #outputLayout: { offset: number; size: number; dtype: tf.DataType }[] = [];
  /** Number of kernels one replay dispatches. */
  readonly kernels: number;
  /** Compute passes one replay encodes: a copy between two dispatches ends one (a timed replay: one per kernel). */
  readonly passes: number;
  /** Buffer copies inside one replay (uploads capture-constants.ts cannot hoist), state copies apart. */
  readonly copies: number;
  /** Bytes of the recording's temporaries, and of the buffers they share now (capture-memory.ts). */
  temporaryBytes = 0;
  sharedTemporaryBytes = 0;

  /** Tensors sharing the state's recorded end buffers, so those stay alive when a variable is reassigned. */
  readonly #pinned: tf.Tensor[];

  constructor(b: WebGpuBackendInternals, rec: Recording, state: readonly tf.Variable[]) {
    this.#b = b;
    this.#rec = rec;
    this.#pinned = state.map((v) => tf.clone(v));
    this.#stateCopies.push(...planStateCopies(b, rec, this.#owned));
    const constants = planConstants(b, rec);
    this.#owned.push(...constants.made);
    // Every dispatch's uniforms in one buffer at aligned offsets, and one bind-group layout per pipeline: building
    // a capture made a buffer and asked for a layout per dispatch, ~half its build time (~0.1 s per capture of a
    // 500-kernel step on an H100 host).
    const uniforms = uniformBuffer(b, rec);
    this.#owned.push(uniforms.buffer);
    // The replay's commands with their buffers, then temporaries used one after another share buffers
    // (capture-memory.ts), then the bind groups.
    type Planned =
      | { kind: 'copy'; src: GpuBuffer; dst: GpuBuffer; size: number }
      | {
          kind: 'dispatch';
          e: Extract<Recording['events'][number], { kind: 'dispatch' }>;
          buffers: GpuBuffer[];
        };
    const planned: Planned[] = [];
    // The planned command each recorded event comes at (or, for an upload left out, the next one).
    const plannedAt: number[] = [];
    for (const e of rec.events) {
      plannedAt.push(planned.length);
      if (e.kind === 'upload' && !constants.copied.has(e)) continue;
      if (e.kind === 'upload') {
        const src = gpuBuffer(b, e.bytes, Usage.COPY_SRC);
        this.#owned.push(src);
        planned.push({ kind: 'copy', src, dst: e.dst, size: Math.ceil(e.bytes.length / 4) * 4 });
      } else planned.push({ kind: 'dispatch', e, buffers: constants.buffers.get(e) ?? e.buffers });
    }
    const starts = new Map<GpuBuffer, number[]>();
    for (const [buf, at] of rec.acquired)
      starts.set(
        buf,
        at.map((e) => plannedAt[e] ?? planned.length),
      );
    const { bufferAt, made, freed } = shareTemporaries(
      (size, usage) => b.device.createBuffer({ size, usage }) as GpuBuffer & { size: number; usage: number },
      planned.map((c) =>
        c.kind === 'copy'
          ? { reads: [c.src], writes: [c.dst] }
          : { reads: c.buffers.slice(1), writes: [c.buffers[0]] },
      ),
      rec.taken as (GpuBuffer & { size: number; usage: number })[],
      starts as Map<GpuBuffer & { size: number; usage: number }, number[]>,
    );
    this.#shareTaken(made, freed);
    const layouts = new Map<GpuPipeline, unknown>();
    let u = 0;
    for (const [ci, c] of planned.entries()) {
      const at = (buf: GpuBuffer) => bufferAt(ci, buf as GpuBuffer & { size: number; usage: number });
      if (c.kind === 'copy') {
        this.#commands.push({ ...c, src: at(c.src), dst: at(c.dst) });
        continue;
      }
      const { e } = c;
      // A temporary now in a larger shared buffer is bound at its own size, as tf.js's kernel was.
      const entries = c.buffers.map((buffer, i) => {
        const shared = at(buffer);
        return shared !== buffer
          ? { binding: i, resource: { buffer: shared, offset: 0, size: (buffer as { size: number }).size } }
          : { binding: i, resource: { buffer } };
      });
      entries.push({
        binding: c.buffers.length,
        resource: { buffer: uniforms.buffer, offset: uniforms.offsets[u++], size: e.uniform.length } as never,
      });
      let layout = layouts.get(e.pipeline);
      if (!layout) layouts.set(e.pipeline, (layout = e.pipeline.getBindGroupLayout(0)));
      const bindGroup = b.device.createBindGroup({ layout, entries });
      this.#commands.push({
        kind: 'dispatch',
        label: e.label,
        pipeline: e.pipeline,
        bindGroup,
        dispatch: e.dispatch,
      });
    }
    this.kernels = rec.events.filter((e) => e.kind === 'dispatch').length;
    this.passes = this.#commands.filter(
      (c, i) => c.kind === 'dispatch' && this.#commands[i - 1]?.kind !== 'dispatch',
    ).length;
    this.copies = this.#commands.length - this.kernels;
    let offset = 0;
    for (const t of rec.outputs) {
      const size = t.size * 4;
      this.#outputLayout.push({ offset, size, dtype: t.dtype });
      offset += size;
    }
    this.#staging = [0, 1].map(() => {
      const buffer = b.device.createBuffer({
        size: Math.max(4, offset),
        usage: Usage.MAP_READ | Usage.COPY_DST,
      });
      return { buffer, read: Promise.resolve() };
    });
  }

  /**
   * The recording's temporaries that now share buffers go (destroyed, and out of tf.js's count of its buffers);
   * the shared buffers take their place among what the capture holds and frees on dispose.
   */
  #shareTaken(made: readonly GpuBuffer[], freed: readonly GpuBuffer[]): void {
    const bytes = (bufs: readonly GpuBuffer[]) => bufs.reduce((n, x) => n + (x as { size: number }).size, 0);
    this.temporaryBytes = bytes(this.#rec.taken);
    const gone = new Set(freed);
    this.#rec.taken = [...this.#rec.taken.filter((t) => !gone.has(t)), ...made];
    for (const t of freed) t.destroy();
    this.#b.bufferManager.numBytesAllocated += bytes(made) - bytes(freed);
    this.sharedTemporaryBytes = bytes(this.#rec.taken);
  }

  /**
   * One step: writes `inputs` (same shapes and dtypes as the recorded step's, values on the CPU or the GPU) into
   * the step's input buffers, replays it and returns its outputs' values.
   */
  async replay(inputs: readonly tf.Tensor[], state: readonly tf.Variable[]): Promise<Float32Array[]> {
    return (await this.launch(inputs, state)).outputs;
  }

  /**
   * Like {@link replay}, but resolves once the step is submitted: `outputs` resolves when the GPU has run it. The
   * next step can be launched before then (the queue runs them in order), so the GPU need not wait for the CPU
   * between steps; at most two launched steps may be unread (their reads share two staging buffers). The caller
   * must await (or catch) every `outputs`, and all of them before dispose.
   */
  async launch(
    inputs: readonly tf.Tensor[],
    state: readonly tf.Variable[],
  ): Promise<{ outputs: Promise<Float32Array[]> }> {
    const b = this.#b;
    const staging = this.#staging[this.#nextStaging] as { buffer: GpuBuffer; read: Promise<unknown> };
    this.#nextStaging = 1 - this.#nextStaging;
    await staging.read; // the read two launches ago, which used this buffer
    let encoder = await this.#begin(inputs, state);
    // Submitting the step in parts lets the GPU start on it while the rest is still encoded (submitParts).
    encodeCommands(this.#commands, encoder, undefined, {
      parts: submitParts(),
      next: () => {
        b.queue.submit([encoder.finish()]);
        return (encoder = b.device.createCommandEncoder() as CommandEncoder);
      },
    });
    this.#rec.outputs.forEach((t, i) => {
      const l = this.#outputLayout[i] as { offset: number; size: number };
      encoder.copyBufferToBuffer(bufferOf(b, t), 0, staging.buffer, l.offset, l.size);
    });
    b.queue.submit([encoder.finish()]);
    const outputs = (async () => {
      await staging.buffer.mapAsync(1 /* GPUMapMode.READ */);
      const all = (staging.buffer.getMappedRange() as ArrayBuffer).slice(0);
      staging.buffer.unmap();
      return this.#outputLayout.map((l) =>
        l.dtype === 'float32'
          ? new Float32Array(all, l.offset, l.size / 4)
          : Float32Array.from(new Int32Array(all, l.offset, l.size / 4)),
      );
    })();
    staging.read = outputs.catch(() => undefined);
    return { outputs };
  }

  /**
   * One step like {@link replay}, each kernel in its own compute pass with GPU timestamps: what each dispatch
   * costs on the GPU (needs the device's 'timestamp-query' feature). The step's state moves on as in a replay.
   */
  async profile(inputs: readonly tf.Tensor[], state: readonly tf.Variable[]): Promise<KernelTime[]> {
    const passes = await this.profilePasses(inputs, state, 1);
    return passes.map((p) => ({ label: p.labels[0] ?? '', ms: p.ms }));
  }

  /**
   * Like {@link profile}, with up to `window` consecutive dispatches per timed pass (a copy still ends one):
   * against the kernels' own times, what the transitions between them cost; Infinity times each whole pass of a
   * plain replay.
   */
  async profilePasses(
    inputs: readonly tf.Tensor[],
    state: readonly tf.Variable[],
    window: number,
  ): Promise<PassTime[]> {
    const encoder = await this.#begin(inputs, state);
    const timer = new PassTimer(this.#b.device);
    encodeCommands(this.#commands, encoder, { timer, window });
    return timer.read(this.#b.queue, encoder);
  }

  /** Checks the capture still holds, writes the next inputs and returns an encoder with the state copies. */
  async #begin(inputs: readonly tf.Tensor[], state: readonly tf.Variable[]): Promise<CommandEncoder> {
    const b = this.#b;
    for (const [buffer, dataId] of this.#rec.live) {
      if (b.tensorMap.get(dataId)?.resource !== buffer)
        throw new CaptureStale('a tensor the captured step reads was disposed or reassigned', 'tensors');
    }
    if (inputs.length !== this.#rec.inputs.length)
      throw new CaptureStale(
        `${inputs.length} inputs, the recorded step took ${this.#rec.inputs.length}`,
        'inputs',
      );
    this.#rec.inputs.forEach((recorded, i) => {
      const next = inputs[i];
      if (!next || next.dtype !== recorded.dtype || next.shape.join() !== recorded.shape.join())
        throw new CaptureStale(`input ${i} has another shape or dtype than the recorded step's`, 'inputs');
    });
    this.adopt(state);
    for (let i = 0; i < this.#rec.inputs.length; i++) {
      const recorded = this.#rec.inputs[i] as tf.Tensor;
      const next = inputs[i] as tf.Tensor;
      const cpu = b.tensorMap.get(next.dataId)?.values;
      const values = cpu ?? (await next.data());
      const data = recorded.dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
      b.queue.writeBuffer(bufferOf(b, recorded), 0, data.buffer, 0, data.byteLength);
    }
    const encoder = b.device.createCommandEncoder() as CommandEncoder;
    for (const c of this.#stateCopies) encoder.copyBufferToBuffer(c.src, 0, c.dst, 0, c.size);
    return encoder;
  }

  /**
   * Brings state variables that were updated outside the capture (an eager step on a batch of another shape, a
   * restored checkpoint) back to the buffers the capture reads: their values are copied there and the variables
   * point at them again.
   */
  adopt(state: readonly tf.Variable[]): void {
    const b = this.#b;
    const moved = state
      .map((v, i) => ({ v, i, current: bufferOf(b, v) }))
      .filter(({ i, current }) => current !== this.#rec.stateEnd[i]);
    if (moved.length === 0) return;
    if (state.length !== this.#pinned.length) throw new CaptureStale('the state changed', 'tensors');
    flush(b);
    const encoder = b.device.createCommandEncoder();
    for (const { i, current } of moved) {
      encoder.copyBufferToBuffer(current, 0, this.#rec.stateEnd[i], 0, (current as { size: number }).size);
    }
    b.queue.submit([encoder.finish()]);
    for (const { v, i } of moved) v.assign(this.#pinned[i] as tf.Tensor);
  }

  dispose(): void {
    tf.dispose(this.#pinned);
    // A read still under way would fail if its buffer went now: each staging buffer goes once its read is done.
    for (const s of this.#staging) void s.read.then(() => s.buffer.destroy());
    for (const buf of this.#owned) buf.destroy();
    this.#owned.length = 0;
    for (const buf of this.#rec.taken) {
      this.#b.bufferManager.numBytesAllocated -= (buf as { size: number }).size;
      buf.destroy();
    }
    this.#rec.taken = [];
    release(this.#rec, this.#b);
  }
}
