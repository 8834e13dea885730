/**
 * Where a training loop's time goes: steps (on webgpu, replayed captures apart from steps run op by op, which
 * include compiling the GPU programs and recording captures), making batches, evaluations and checkpoints, and
 * the first epoch as a whole. Logged as one line when the loop ends; it is what the "training and evaluation"
 * phase of the run's timings line (phase-clock.ts) is made of, and what issue #19's whole-run comparison reads to
 * see where the studio's side loses time to a PyTorch script.
 */
type Part = 'batches' | 'evaluations' | 'checkpoints';

export class LoopClock {
  readonly #start = performance.now();
  readonly #ms: Record<Part, number> = { batches: 0, evaluations: 0, checkpoints: 0 };
  readonly #count: Record<Part, number> = { batches: 0, evaluations: 0, checkpoints: 0 };
  /** The first evaluation's time apart: on webgpu it compiles the evaluation's programs, the later ones do not. */
  #firstEvalMs: number | null = null;
  #steps = { n: 0, ms: 0, replayed: 0, replayedMs: 0 };
  #firstEpochMs: number | null = null;

  /** Times `fn` as one item of `part`. */
  async time<T>(part: Part, fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.#ms[part] += performance.now() - t;
      this.#count[part]++;
      if (part === 'evaluations') this.#firstEvalMs ??= performance.now() - t;
    }
  }

  /** The same for synchronous work (making a batch). */
  timeSync<T>(part: Part, fn: () => T): T {
    const t = performance.now();
    try {
      return fn();
    } finally {
      this.#ms[part] += performance.now() - t;
      this.#count[part]++;
    }
  }

  /** One optimizer step took `ms`; `replayed` when it was a captured GPU step replayed. */
  step(ms: number, replayed: boolean): void {
    this.#steps.n++;
    this.#steps.ms += ms;
    if (replayed) {
      this.#steps.replayed++;
      this.#steps.replayedMs += ms;
    }
  }

  /** The loop's first epoch ended (its evaluation included); later calls change nothing. */
  epochEnded(): void {
    this.#firstEpochMs ??= performance.now() - this.#start;
  }

  /**
   * "loop timings: 390 steps 4.85 s (378 replayed 2.71 s, 12 op by op 2.14 s), …, 5 evaluations 1.04 s (first
   * 0.40 s), …; first epoch 3.80 s of 6.20 s".
   * The steps' split is given only where some were replayed.
   */
  line(): string {
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const st = this.#steps;
    const split =
      st.replayed > 0
        ? ` (${st.replayed} replayed ${s(st.replayedMs)}, ${st.n - st.replayed} op by op ${s(st.ms - st.replayedMs)})`
        : '';
    const part = (p: Part, one: string, many: string) =>
      `${this.#count[p]} ${this.#count[p] === 1 ? one : many} ${s(this.#ms[p])}` +
      (p === 'evaluations' && this.#count[p] > 1 && this.#firstEvalMs !== null
        ? ` (first ${s(this.#firstEvalMs)})`
        : '');
    const first = this.#firstEpochMs === null ? '' : `first epoch ${s(this.#firstEpochMs)} of `;
    return (
      `loop timings: ${st.n} step${st.n === 1 ? '' : 's'} ${s(st.ms)}${split}, ` +
      `${part('batches', 'batch made', 'batches made')}, ${part('evaluations', 'evaluation', 'evaluations')}, ` +
      `${part('checkpoints', 'checkpoint', 'checkpoints')}; ${first}${s(performance.now() - this.#start)} in all`
    );
  }
}
