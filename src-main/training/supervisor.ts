/**
 * Main's side of a training run: starts the worker process, records everything it reports in the project
 * database (metrics in batched transactions), and turns a crash into an `interrupted` run instead of a lost one.
 */
import path from 'node:path';
import type { WorkerProcess } from '../process/launcher.ts';
import type { Database } from 'better-sqlite3';
import type { ContinualConfig, TrainConfig } from '../../src-shared/train-config.ts';
import { insertArtifact } from '../db/tables/artifacts.ts';
import { logMetrics } from '../db/tables/metrics.ts';
import type { MetricPoint } from '../db/tables/metrics.ts';
import { getRun, updateRunStatus } from '../db/tables/runs.ts';
import type { FinalStatus, FromWorker, RunSummary, ToWorker } from './protocol.ts';
import { currentProcess } from '../app/process-identity.ts';
import { describeUserFacing } from '../errors.ts';
import { dropPendingCheckpoints, promoteCheckpoint } from './checkpoint.ts';
import { runDirs } from './run-dirs.ts';
import { keepStepCheckpoint } from './checkpoint-steps.ts';
import { appendRunLog, logLine, runLogFile } from './run-log.ts';
import { launchWorker } from '../process/worker-launch.ts';

export interface RunOutcome {
  status: FinalStatus | 'interrupted';
  message?: string;
  /** A completed run whose loss rose far above its start. */
  warning?: string;
  summary?: RunSummary;
}

export interface SupervisedRun {
  readonly runId: number;
  readonly child: WorkerProcess;
  send(cmd: Exclude<ToWorker, { type: 'start' | 'continual' }>): void;
  /** Resolves when the worker finishes or dies. */
  readonly done: Promise<RunOutcome>;
  /**
   * Resolves once the outcome is in the database: at the worker's `finished` message, or with `done` when the process
   * dies first. The process may still be exiting (a WebGPU device to release, its wasm heap): a CLI that exits next
   * need not wait for that (the process leaves when the CLI's channel closes); main's queue waits for `done`.
   */
  readonly recorded: Promise<RunOutcome>;
}

/** A training process started before its run is recorded, its exit caught from its first moment. */
export interface StartedWorker {
  readonly child: WorkerProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a training process that waits for its job. The CLI starts it before its pre-flight, so the process's own
 * start-up (Node, its modules) overlaps the checks instead of following them; a refused run stops it unused.
 */
export function startTrainingProcess(env?: NodeJS.ProcessEnv): StartedWorker {
  const child = launchWorker(env);
  // Listened for at once: a process that dies before superviseRun takes it over is still seen to have ended.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited };
}

/** How often buffered metric points are written (one transaction per flush). */
const FLUSH_MS = 500;

export function superviseRun(opts: {
  db: Database;
  projectDir: string;
  runId: number;
  /** What the process runs: one training run, or a continual sequence of tasks. */
  job:
    | { kind: 'train'; config: TrainConfig; resumeFrom?: string }
    | { kind: 'continual'; config: ContinualConfig };
  onMessage?: ((msg: FromWorker) => void) | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** A process already started for this run (startTrainingProcess); else one is started here with `env`. */
  worker?: StartedWorker | undefined;
}): SupervisedRun {
  const { db, runId } = opts;
  const { child, exited } = opts.worker ?? startTrainingProcess(opts.env);
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-4000);
  });
  let buffer: MetricPoint[] = [];
  // Set when the database refused a write (a full disk): the run stops, as nothing more of it could be recorded.
  let unrecordable: string | undefined;
  /**
   * Never an uncaught exception in main (or the CLI): says why in one line and stops the training process; the last
   * checkpoint whose metrics were stored stays the resume point.
   */
  function stopUnrecordable(err: unknown): void {
    const why = describeUserFacing(err) ?? (err instanceof Error ? err.message : String(err)).split('\n')[0];
    unrecordable = `cannot record the run: ${why}`;
    buffer = [];
    child.kill('SIGKILL');
  }
  const flush = () => {
    if (buffer.length === 0 || !db.open) return;
    logMetrics(db, runId, buffer);
    buffer = [];
  };
  const timer = setInterval(() => {
    if (unrecordable) return;
    try {
      flush();
    } catch (err) {
      stopUnrecordable(err);
    }
  }, FLUSH_MS);
  let finished: RunOutcome | undefined;
  let settle: ((outcome: RunOutcome) => void) | undefined;
  const recorded = new Promise<RunOutcome>((resolve) => (settle = resolve));
  const owner = currentProcess();

  // A resumed run keeps the time it first started; its end and any earlier verdict are cleared.
  updateRunStatus(db, runId, {
    status: 'running',
    message: null,
    warning: null,
    startedAt: getRun(db, runId)?.startedAt ?? new Date().toISOString(),
    finishedAt: null,
    heartbeatAt: new Date().toISOString(),
    // This process supervises it: when it is gone, the run is an orphan (markStaleRunsInterrupted).
    ownerPid: owner.pid,
    ownerStarted: owner.started,
  });

  const logFile = runLogFile(opts.projectDir, runId);
  const log = (level: string, text: string) => {
    try {
      appendRunLog(logFile, level, text);
    } catch {
      // A full disk or a removed folder must not stop the run; its metrics still reach the database.
    }
  };
  child.on('message', (raw) => {
    // The project was closed under a live run (stopAll not awaited): nothing can be recorded any more.
    if (!db.open || unrecordable) return;
    const msg = raw as FromWorker;
    try {
      record(msg);
    } catch (err) {
      stopUnrecordable(err);
      return;
    }
    opts.onMessage?.(msg);
  });

  function record(msg: FromWorker): void {
    const line = logLine(msg);
    if (line) log(line.level, line.text);
    switch (msg.type) {
      case 'started':
        updateRunStatus(db, runId, {
          totalSteps: msg.totalSteps,
          trainableParams: msg.trainableParams,
          totalParams: msg.totalParams,
        });
        break;
      case 'progress':
        buffer.push(
          { split: 'train', name: 'loss', step: msg.step, value: msg.loss },
          { split: 'train', name: 'lr', step: msg.step, value: msg.lr },
          { split: 'system', name: 'throughput', step: msg.step, value: msg.throughput },
          { split: 'system', name: 'step_ms', step: msg.step, value: msg.stepMs },
        );
        // totalSteps too: a continual run learns each stage's length only as the stage starts.
        updateRunStatus(db, runId, {
          step: msg.step,
          totalSteps: msg.totalSteps,
          heartbeatAt: new Date().toISOString(),
        });
        break;
      case 'metrics':
        buffer.push(...msg.points);
        break;
      case 'checkpoint':
        flush();
        // Only now, with every metric before it stored, does the resume point move in.
        if (msg.pending)
          promoteCheckpoint(path.join(opts.projectDir, msg.pending), path.join(opts.projectDir, msg.path));
        insertArtifact(db, {
          runId,
          kind: msg.kind,
          path: msg.path,
          sha256: msg.sha256,
          bytes: msg.bytes,
          meta: { step: msg.step, ...(msg.task !== undefined ? { task: msg.task } : {}) },
          createdAt: new Date().toISOString(),
        });
        // Each resume point is also kept by step, so the user can resume or fork from an earlier one.
        if (msg.kind === 'checkpoint-last') {
          try {
            keepStepCheckpoint(db, opts.projectDir, runId, msg.path, msg.step, msg);
          } catch (err) {
            log('warn', `could not keep the checkpoint of step ${msg.step}: ${(err as Error).message}`);
          }
        }
        break;
      case 'paused':
        // The worker reports a pause only while its loop trains; a finished run is never marked paused.
        if (!finished) updateRunStatus(db, runId, { status: 'paused', step: msg.step });
        break;
      case 'resumed':
        if (!finished) updateRunStatus(db, runId, { status: 'running' });
        break;
      case 'finished':
        flush();
        finished = {
          status: msg.status,
          message: msg.message,
          ...(msg.warning ? { warning: msg.warning } : {}),
          summary: msg.summary,
        };
        updateRunStatus(db, runId, {
          status: msg.status,
          message: msg.message ?? null,
          warning: msg.warning ?? null,
          finishedAt: new Date().toISOString(),
          // A continual run knows what it trained only at its end (an adapter per stage).
          ...(msg.summary.totalParams > 0
            ? { trainableParams: msg.summary.trainableParams, totalParams: msg.summary.totalParams }
            : {}),
          peakMemoryBytes: msg.summary.peakMemoryBytes,
        });
        settle?.(finished);
        break;
      case 'log':
        break;
    }
  }

  const done = new Promise<RunOutcome>((resolve) => {
    void exited.then(({ code, signal }) => {
      clearInterval(timer);
      if (finished && !unrecordable) {
        if (db.open) tryWrite(flush);
        return resolve(finished);
      }
      // The process died without saying it finished (a crash, an OOM kill or a kill -9), or was stopped because
      // the database took no more writes.
      // A checkpoint the worker wrote but main never promoted (it stopped recording on a full disk, or the worker
      // died before main read its message) is newer than the stored metrics: never a resume point, so not kept.
      try {
        dropPendingCheckpoints(path.join(opts.projectDir, runDirs(runId).last));
      } catch {
        // The worker's next start removes it as well.
      }
      const lastLine = stderrTail.trim().split('\n').at(-1) ?? '';
      const message = unrecordable
        ? `${unrecordable}; resume continues from the last checkpoint`
        : `training process ended unexpectedly (${signal ?? `exit ${code}`})${lastLine ? `: ${lastLine}` : ''}; resume continues from the last checkpoint`;
      log('error', message);
      if (db.open) {
        // On a full disk this may fail too: the run then records no owner alive, and opening the project marks
        // it interrupted (markStaleRunsInterrupted).
        tryWrite(() => {
          flush();
          updateRunStatus(db, runId, {
            status: 'interrupted',
            message,
            finishedAt: new Date().toISOString(),
          });
        });
      }
      resolve({ status: 'interrupted', message });
    });
  });

  /** A last write whose failure changes nothing about the outcome (its cause is already reported). */
  function tryWrite(write: () => void): void {
    try {
      write();
    } catch {
      buffer = [];
    }
  }

  const { job } = opts;
  const start: ToWorker =
    job.kind === 'continual'
      ? { type: 'continual', runId, projectDir: opts.projectDir, config: job.config }
      : {
          type: 'start',
          runId,
          projectDir: opts.projectDir,
          config: job.config,
          ...(job.resumeFrom ? { resumeFrom: job.resumeFrom } : {}),
        };
  // A process started ahead of its job may have died meanwhile: its exit (caught above) ends the run instead.
  if (child.connected) child.send(start);

  // Whichever comes first; a later resolve of a settled promise changes nothing.
  void done.then((outcome) => settle?.(outcome));
  return {
    runId,
    child,
    send: (cmd) => {
      if (child.connected) child.send(cmd);
    },
    done,
    recorded,
  };
}
