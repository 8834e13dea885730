/**
 * GPU timestamps around compute passes (WebGPU's 'timestamp-query' feature), for profiles of captured steps: each
 * timed pass gets a begin and an end timestamp; read() resolves them all after the work is submitted.
 */
import { Usage } from './backend-internals.ts';
import type { GpuBuffer, GpuDevice } from './backend-internals.ts';

/** The encoder calls the capture and the timer use (Dawn's GPUCommandEncoder). */
export interface CommandEncoder {
  copyBufferToBuffer(
    src: GpuBuffer,
    srcOffset: number,
    dst: GpuBuffer,
    dstOffset: number,
    size: number,
  ): void;
  beginComputePass(descriptor?: object): unknown;
  resolveQuerySet(set: unknown, first: number, count: number, dst: GpuBuffer, offset: number): void;
  finish(): unknown;
}

export interface KernelTime {
  label: string;
  ms: number;
}

/** A timed pass of several dispatches: their labels in order and the pass's GPU time. */
export interface PassTime {
  labels: string[];
  ms: number;
}

/** WebGPU allows at most 4096 queries per set: two per pass. */
const PASSES_PER_SET = 2048;
const QUERY_RESOLVE = 0x0200;

export class PassTimer {
  /** Each timed pass's dispatch labels. */
  readonly #labels: string[][] = [];
  readonly #sets: { destroy(): void }[] = [];

  constructor(private readonly device: GpuDevice) {
    if (!device.features?.has?.('timestamp-query'))
      throw new Error('this GPU device was created without timestamp queries: kernels cannot be timed');
  }

  /** The descriptor of the next timed pass. */
  next(label: string): object {
    const i = this.#labels.length % PASSES_PER_SET;
    if (i === 0)
      this.#sets.push(this.device.createQuerySet({ type: 'timestamp', count: 2 * PASSES_PER_SET }));
    this.#labels.push([label]);
    const querySet = this.#sets[this.#sets.length - 1];
    return {
      timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
    };
  }

  /** Adds a dispatch to the pass begun last. */
  also(label: string): void {
    this.#labels[this.#labels.length - 1]?.push(label);
  }

  /** Resolves the timestamps into `encoder`, submits it and returns each pass's GPU time. */
  async read(queue: { submit(buffers: unknown[]): void }, encoder: CommandEncoder): Promise<PassTime[]> {
    const bytes = this.#sets.length * 2 * PASSES_PER_SET * 8;
    const resolved: GpuBuffer = this.device.createBuffer({
      size: bytes,
      usage: QUERY_RESOLVE | Usage.COPY_SRC,
    });
    const staging: GpuBuffer = this.device.createBuffer({
      size: bytes,
      usage: Usage.MAP_READ | Usage.COPY_DST,
    });
    this.#sets.forEach((set, s) => {
      const passes = Math.min(PASSES_PER_SET, this.#labels.length - s * PASSES_PER_SET);
      encoder.resolveQuerySet(set, 0, 2 * passes, resolved, s * 2 * PASSES_PER_SET * 8);
    });
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, bytes);
    queue.submit([encoder.finish()]);
    await staging.mapAsync(1 /* GPUMapMode.READ */);
    const ticks = new BigUint64Array((staging.getMappedRange() as ArrayBuffer).slice(0));
    staging.unmap();
    for (const b of [resolved, staging]) b.destroy();
    for (const set of this.#sets) set.destroy();
    return this.#labels.map((labels, i) => {
      const at = Math.floor(i / PASSES_PER_SET) * 2 * PASSES_PER_SET + 2 * (i % PASSES_PER_SET);
      const ns = Number((ticks[at + 1] ?? 0n) - (ticks[at] ?? 0n));
      return { labels, ms: ns / 1e6 };
    });
  }
}
