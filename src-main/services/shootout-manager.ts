/** The shoot-outs this studio drives (the Experiments page), each a ShootoutRunner over its sweeps. */
import type { ShootoutConfig } from '../../src-shared/shootout.ts';
import { UserError } from '../errors.ts';
import { ShootoutRunner, createShootout, shootoutById, shootoutView } from '../experiments/shootout.ts';
import type { ServiceContext } from './context.ts';
import { trialLauncher } from './sweep-manager.ts';
import { markStaleRunsInterrupted } from './training.ts';

export class ShootoutManager {
  readonly #active = new Map<string, ShootoutRunner>();

  constructor(private readonly ctx: ServiceContext) {}

  #key = (project: string, id: number) => `${project}#${id}`;

  start(config: ShootoutConfig): number {
    const id = createShootout(this.ctx.projects.db(config.project), config);
    this.#drive(config.project, id);
    return id;
  }

  resume(project: string, id: number): void {
    const db = this.ctx.projects.db(project);
    markStaleRunsInterrupted(db);
    const view = shootoutView(db, shootoutById(db, id));
    if (this.#active.has(this.#key(project, id)) || view.status === 'running')
      throw new UserError(`shoot-out ${id} is already running`);
    if (view.status === 'completed') throw new UserError(`shoot-out ${id} has finished`);
    this.#drive(project, id);
  }

  cancel(project: string, id: number): void {
    const runner = this.#active.get(this.#key(project, id));
    if (!runner) throw new UserError(`shoot-out ${id} is not running in this studio`);
    runner.cancel();
  }

  #drive(project: string, id: number): void {
    const { ctx } = this;
    const changed = () => ctx.events.emit('shootout:changed', { projectPath: project, shootoutId: id });
    const runner = new ShootoutRunner(ctx.projects.db(project), id, trialLauncher(ctx, project), changed);
    const key = this.#key(project, id);
    this.#active.set(key, runner);
    void runner
      .run()
      .catch((err: unknown) => console.error(`[studio] shoot-out ${id}:`, (err as Error).message))
      .finally(() => {
        this.#active.delete(key);
        changed();
      });
  }
}
