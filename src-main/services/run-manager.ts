/**
 * Runs started from the UI: one supervised training process each, their progress pushed to every window as
 * contract events, and pause/resume/cancel routed to the right process.
 */
import type { RunView } from '../../src-shared/domain.ts';
import type { ContinualConfig, TrainConfig } from '../../src-shared/train-config.ts';
import { startContinual } from './continual.ts';
import { UserError } from '../errors.ts';
import type { Database } from 'better-sqlite3';
import type { FromWorker } from '../training/protocol.ts';
import type { SupervisedRun } from '../training/supervisor.ts';
import type { EventBus } from './event-bus.ts';
import type { ProjectsService } from './projects.ts';
import { runView } from './runs.ts';
import { resumableConfig, resumeRun, startRun } from './training.ts';
import { forkRun, resumeFromStep } from './run-checkpoints.ts';
import type { ForkOverrides } from '../../src-shared/run-manage.ts';

export class RunManager {
  readonly #active = new Map<string, SupervisedRun>();

  constructor(
    private readonly projects: ProjectsService,
    private readonly events: EventBus,
    /** Environment for training processes (the Settings page's threads and backend). */
    private readonly env: () => NodeJS.ProcessEnv = () => ({}),
    /** Work once a run has ended, before its final status goes out (scoring its forgetting reference). */
    private readonly afterRun: (project: string, runId: number) => Promise<void> = async () => {},
  ) {}

  #key = (project: string, runId: number) => `${project}#${runId}`;

  #follow(project: string, run: SupervisedRun): void {
    const key = this.#key(project, run.runId);
    this.#active.set(key, run);
    this.#status(project, run.runId);
    void run.done.then(async () => {
      this.#active.delete(key);
      this.#status(project, run.runId);
      await this.afterRun(project, run.runId);
      this.#status(project, run.runId);
    });
  }

  #status(project: string, runId: number): void {
    let view: RunView;
    try {
      view = runView(this.projects.db(project), runId);
    } catch {
      return;
    }
    this.events.emit('run:status', { projectPath: project, run: view });
  }

  #onMessage = (project: string, runId: () => number) => (m: FromWorker) => {
    if (m.type === 'progress') {
      const { type: _type, ...progress } = m;
      this.events.emit('run:progress', { projectPath: project, runId: runId(), ...progress });
    } else if (m.type === 'started' || m.type === 'paused' || m.type === 'resumed' || m.type === 'finished') {
      // Let the supervisor write the row first.
      setTimeout(() => this.#status(project, runId()), 0);
    }
  };

  start(config: TrainConfig): number {
    return this.#launch(config.project, (db, onMessage, env) =>
      startRun(db, config.project, config, onMessage, env),
    );
  }

  /** Starts a run whose messages also go to `listen` (a sweep scores its trials from them); returns the run. */
  startWatched(config: TrainConfig, listen: (m: FromWorker) => void): SupervisedRun {
    let id = 0;
    const mine = this.#onMessage(config.project, () => id);
    const run = startRun(
      this.projects.db(config.project),
      config.project,
      config,
      (m) => {
        mine(m);
        listen(m);
      },
      this.env(),
    );
    id = run.runId;
    this.#follow(config.project, run);
    return run;
  }

  /** Resumes run `runId` from its last checkpoint, its messages also going to `listen`. */
  resumeWatched(project: string, runId: number, listen: (m: FromWorker) => void): SupervisedRun {
    const mine = this.#onMessage(project, () => runId);
    const run = resumeRun(
      this.projects.db(project),
      project,
      runId,
      (m) => {
        mine(m);
        listen(m);
      },
      this.env(),
    );
    this.#follow(project, run);
    return run;
  }

  startContinual(config: ContinualConfig): number {
    return this.#launch(config.project, (db, onMessage, env) =>
      startContinual(db, config.project, config, onMessage, env),
    );
  }

  /**
   * Starts a new run with the Settings page's environment (threads, backend) and follows it; its id is known
   * only once `launch` returns, so progress messages read it late.
   */
  #launch(
    project: string,
    launch: (db: Database, onMessage: (m: FromWorker) => void, env: NodeJS.ProcessEnv) => SupervisedRun,
  ): number {
    let id = 0;
    const run = launch(
      this.projects.db(project),
      this.#onMessage(project, () => id),
      this.env(),
    );
    id = run.runId;
    this.#follow(project, run);
    return run.runId;
  }

  resume(project: string, runId: number): number {
    const run = resumeRun(
      this.projects.db(project),
      project,
      runId,
      this.#onMessage(project, () => runId),
      this.env(),
    );
    this.#follow(project, run);
    return runId;
  }

  /** Whether run `runId` of `project` is training (or paused) in this studio. */
  isActive(project: string, runId: number): boolean {
    return this.#active.has(this.#key(project, runId));
  }

  /**
   * Resumes run `runId` from its checkpoint of `step`. A run paused in this studio is first stopped (cancelled,
   * which keeps its checkpoints) and waited for, so one run never trains in two processes.
   */
  async resumeFrom(project: string, runId: number, step: number): Promise<number> {
    const active = this.#active.get(this.#key(project, runId));
    if (active) {
      active.send({ type: 'cancel' });
      await active.done;
    }
    const run = resumeFromStep(
      this.projects.db(project),
      project,
      runId,
      step,
      this.#onMessage(project, () => runId),
      this.env(),
    );
    this.#follow(project, run);
    return runId;
  }

  /** Starts a new run from run `runId`'s checkpoint of `step`; returns the new run's id. */
  fork(project: string, runId: number, step: number, overrides: ForkOverrides): number {
    let id = 0;
    const run = forkRun(
      this.projects.db(project),
      project,
      runId,
      step,
      overrides,
      this.#onMessage(project, () => id),
      this.env(),
    );
    id = run.runId;
    this.#follow(project, run);
    return id;
  }

  #get(project: string, runId: number): SupervisedRun {
    const run = this.#active.get(this.#key(project, runId));
    if (!run) throw new UserError(`run ${runId} is not training in this window's studio`);
    return run;
  }

  cancel(project: string, runId: number): void {
    this.#get(project, runId).send({ type: 'cancel' });
  }

  pause(project: string, runId: number): void {
    this.#get(project, runId).send({ type: 'pause' });
  }

  /**
   * What `continue` would resume run `runId` with: null when the run is paused in this studio (it just goes on),
   * else its stored config (a one-line refusal when it cannot be resumed), for the engine's pre-flight.
   */
  configToResume(project: string, runId: number): TrainConfig | null {
    if (this.#active.has(this.#key(project, runId))) return null;
    return resumableConfig(this.projects.db(project), project, runId);
  }

  /** Continues a paused run, or resumes an interrupted one from its checkpoint. */
  continue(project: string, runId: number): number {
    const active = this.#active.get(this.#key(project, runId));
    if (active) {
      active.send({ type: 'resume' });
      return runId;
    }
    return this.resume(project, runId);
  }

  /**
   * Stops every training process and waits until each run is recorded (interrupted, resumable from its last
   * checkpoint): call before the project databases close, on quit and on SIGINT/SIGTERM.
   */
  async stopAll(): Promise<void> {
    const runs = [...this.#active.values()];
    for (const r of runs) r.child.kill();
    await Promise.all(runs.map((r) => r.done));
  }
}
