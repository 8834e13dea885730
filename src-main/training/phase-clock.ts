/**
 * The training process's own clock for a run's phases (backend, model and data, training with its evaluations,
 * saving), logged as one line when the run ends. It is the studio's side of issue #19's whole-run comparison: a
 * PyTorch script times its work from after its imports, so the studio's work is timed from the start of the job,
 * its process start-up (Node, the bundle) given separately.
 */
export class PhaseClock {
  readonly #start = performance.now();
  #last = this.#start;
  readonly #phases: [string, number][] = [];

  /** Ends the phase that ran since the previous mark (or the start). */
  mark(name: string): void {
    const now = performance.now();
    this.#phases.push([name, now - this.#last]);
    this.#last = now;
  }

  /** "timings: backend 1.20 s, …; work 6.81 s from the job's start (process start-up 0.42 s before it)". */
  line(): string {
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const parts = this.#phases.map(([name, ms]) => `${name} ${s(ms)}`).join(', ');
    // performance.now() counts from the process's start, so the start-up before the job is its value at the start.
    return `timings: ${parts}; work ${s(this.#last - this.#start)} from the job's start (process start-up ${s(this.#start)} before it)`;
  }
}
