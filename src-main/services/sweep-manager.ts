/**
 * The sweeps this studio drives (the Experiments page): each a SweepRunner whose trials start through the
 * RunManager (so they are ordinary runs, followed live like any other) after the engine process's pre-flight.
 */
import type { SweepConfig } from '../../src-shared/sweep.ts';
import { UserError } from '../errors.ts';
import { createSweep, sweepById, sweepView } from '../experiments/sweeps.ts';
import { SweepRunner } from '../experiments/sweep-runner.ts';
import type { TrialLauncher } from '../experiments/sweep-runner.ts';
import type { ServiceContext } from './context.ts';
import { markStaleRunsInterrupted } from './training.ts';

/** Trials of the studio: the engine process's pre-flight, then runs started and followed by the RunManager. */
export function trialLauncher(ctx: ServiceContext, project: string): TrialLauncher {
  return {
    preflight: async (config) => {
      await ctx.inference.preflight(config);
    },
    start: (config, listen) => ctx.runs.startWatched(config, listen),
    resume: (runId, listen) => ctx.runs.resumeWatched(project, runId, listen),
  };
}

export class SweepManager {
  readonly #active = new Map<string, SweepRunner>();

  constructor(private readonly ctx: ServiceContext) {}

  #key = (project: string, id: number) => `${project}#${id}`;

  start(config: SweepConfig): number {
    const id = createSweep(this.ctx.projects.db(config.project), config);
    this.#drive(config.project, id);
    return id;
  }

  resume(project: string, id: number): void {
    const db = this.ctx.projects.db(project);
    markStaleRunsInterrupted(db);
    const view = sweepView(db, sweepById(db, id));
    if (this.#active.has(this.#key(project, id)) || view.status === 'running')
      throw new UserError(`sweep ${id} is already running`);
    if (view.status === 'completed') throw new UserError(`sweep ${id} has finished: every trial is done`);
    this.#drive(project, id);
  }

  cancel(project: string, id: number): void {
    const runner = this.#active.get(this.#key(project, id));
    if (!runner) throw new UserError(`sweep ${id} is not running in this studio`);
    runner.cancel();
  }

  #drive(project: string, id: number): void {
    const { ctx } = this;
    const db = ctx.projects.db(project);
    const changed = () => ctx.events.emit('sweep:changed', { projectPath: project, sweepId: id });
    const runner = new SweepRunner(db, id, trialLauncher(ctx, project), changed);
    const key = this.#key(project, id);
    this.#active.set(key, runner);
    void runner
      .run()
      .catch((err: unknown) => console.error(`[studio] sweep ${id}:`, (err as Error).message))
      .finally(() => {
        this.#active.delete(key);
        changed();
      });
  }
}
