/**
 * The training process (started by supervisor.ts). It owns TensorFlow.js and reports through the typed protocol;
 * it never touches the database. A crash here never takes the app down: main marks the run interrupted.
 */
// First: in an Electron utility process it links process.send/'message' to parentPort.
import '../process/parent-port.ts';
import { adapterDiskBytes } from './adapter-bytes.ts';
import path from 'node:path';
import { accountParams, baseIdentity } from '../adapters/index.ts';
import { initBackend } from '../engine/backends.ts';
import { modelContentHash } from '../models/content-hash.ts';
import { fileSha256 } from '../node-shared/hash-file.ts';
import { modelParameterCount } from '../models/param-count.ts';
import { describeUserFacing } from '../errors.ts';
import {
  dropPendingCheckpoints,
  hasCheckpoint,
  pendingCheckpointDir,
  readCheckpoint,
  recoverCheckpoint,
  writeCheckpoint,
} from './checkpoint.ts';
import { loadDataset } from '../data/index.ts';
import {
  classifierLabels,
  isVideoDataset,
  loadModelAndTokenizer,
  prepareRun,
  resolveModelDir,
} from './prepare.ts';
import { validationFractionOf } from '../../src-shared/train-config.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { runDirs } from './run-dirs.ts';
import { peakMemoryBytes } from './peak-memory.ts';
import { bucketsOverGpu, checkGpuRun } from './preflight/gpu-run.ts';
import { saveFinalAdapter } from './final-adapter.ts';
import { planSteps, restoreCheckpoint, trainLoop } from './trainer.ts';
import { AdamW } from './adamw.ts';
import { firstTaskLabels, runContinual } from './continual.ts';
import { saveStageAdapter, STAGE_ADAPTER } from './stage-adapter.ts';
import { retentionPoints } from './retention.ts';
import { prepareMultiTask } from './multitask.ts';
import type { TrainTask } from './task.ts';
import { PhaseClock } from './phase-clock.ts';

const send = (msg: FromWorker): void => {
  process.send?.(msg);
};

let paused = false;
let cancelled = false;
let wake: (() => void) | null = null;

/**
 * Pause and cancel as the loop sees them. `paused` is reported only once the loop has actually stopped, so a pause
 * that arrives after the last step (while the adapter is saved) never marks a finished run paused.
 */
const controls = {
  isPaused: () => paused,
  isCancelled: () => cancelled,
  waitWhilePaused: async (step: number) => {
    send({ type: 'paused', step });
    while (paused && !cancelled) await new Promise<void>((r) => (wake = r));
    if (!cancelled) send({ type: 'resumed', step });
  },
};

async function run(cmd: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const { config, projectDir, runId } = cmd;
  const clock = new PhaseClock();
  const backend = await initBackend(undefined, { engineProcess: true });
  clock.mark('backend');
  const dataset = loadDataset(config.dataset);
  const { model, tok } = loadModelAndTokenizer(config, classifierLabels(dataset), isVideoDataset(dataset));
  // A multi-task run's dataset is its first task; the others come from method.tasks (multitask.ts).
  const multi = config.method.type === 'multitask' ? prepareMultiTask(config, model, tok) : null;
  const prepared = multi ?? prepareRun(config, model, tok, config.dataset, dataset);
  const { adapter, data } = prepared;
  const task = prepared.task as TrainTask<unknown>;
  clock.mark('model and data');
  const account = accountParams(model, adapter);
  // On a GPU, a run too big for the device is refused here, before its first step, with the estimate.
  const gpuEstimate = checkGpuRun(config, model, account.trainable);
  // "Of M" is the base model's count, as the Models page shows it, not the run's graph with its new head.
  const baseParams = modelParameterCount(config.model);
  const dirs = runDirs(runId);
  const abs = (p: string) => path.join(projectDir, p);
  // A kill in the middle of a checkpoint's swap leaves it beside its folder: put it back before reading.
  for (const dir of [dirs.last, dirs.best]) recoverCheckpoint(abs(dir));
  dropPendingCheckpoints(abs(dirs.last));
  const resume =
    cmd.resumeFrom && hasCheckpoint(abs(cmd.resumeFrom)) ? readCheckpoint(abs(cmd.resumeFrom)) : undefined;
  const { totalSteps } = planSteps(task.trainSize, config.train);
  send({
    type: 'started',
    totalSteps,
    trainableParams: account.trainable,
    totalParams: baseParams,
    backend: backend.backend,
  });
  const heldOut =
    'validation' in config.dataset && config.dataset.validation
      ? `the file ${config.dataset.validation}`
      : `${validationFractionOf(config.dataset)} of the dataset`;
  send({
    type: 'log',
    level: 'info',
    message: `data: ${data.train.length} training, ${data.validation.length} validation examples (validation: ${heldOut})`,
  });
  for (const t of multi?.tasks ?? [])
    send({
      type: 'log',
      level: 'info',
      message: `task ${t.name}: ${t.data.train.length} training, ${t.data.validation.length} validation examples, labels ${t.data.labels.join(', ')}`,
    });
  if (gpuEstimate)
    send({
      type: 'log',
      level: 'info',
      message: `GPU memory estimate: ${(gpuEstimate.total / 1024).toFixed(2)} GB (weights ${(gpuEstimate.weights / 1024).toFixed(2)}, gradients and optimizer ${(gpuEstimate.optimizer / 1024).toFixed(2)}, activations ${(gpuEstimate.activations / 1024).toFixed(2)})`,
    });
  // One captured step per length bucket holds its own activations: where they would not fit, one length for all.
  const bucketsOver = task.padding ? bucketsOverGpu(config, model, account.trainable) : null;
  if (bucketsOver) {
    task.padding?.oneLength();
    send({
      type: 'log',
      level: 'info',
      message: `batches padded to maxLength ${config.train.maxLength}: length buckets would need about ${(bucketsOver.total / 1024).toFixed(2)} GB of GPU memory (STUDIO_GPU_MEMORY_MB)`,
    });
  }
  if (resume) send({ type: 'log', level: 'info', message: `resuming from step ${resume.position.step}` });

  const evals = new Map<number, Record<string, number>>();
  const result = await trainLoop(
    task,
    config.train,
    {
      onProgress: (p) => send({ type: 'progress', ...p }),
      onLog: (message) => send({ type: 'log', level: 'info', message }),
      onEval: (step, metrics) => {
        evals.set(step, metrics);
        send({
          type: 'metrics',
          points: Object.entries(metrics).map(([name, value]) => ({
            split: 'validation',
            name,
            step,
            value,
          })),
        });
      },
      onCheckpoint: async (kind, state) => {
        // The resume point is written beside its place; main moves it in once the metrics before it are stored,
        // so a kill of main can never leave a checkpoint newer than the metric rows (pendingCheckpointDir).
        const step = state.position.step;
        if (kind === 'checkpoint-best') {
          const { sha256, bytes } = writeCheckpoint(abs(dirs.best), state);
          send({ type: 'checkpoint', kind, path: dirs.best, sha256, bytes, step });
        } else {
          const pending = pendingCheckpointDir(dirs.last, step);
          const { sha256, bytes } = writeCheckpoint(abs(pending), state);
          send({ type: 'checkpoint', kind, path: dirs.last, pending, sha256, bytes, step });
        }
      },
      ...controls,
    },
    resume,
  );
  clock.mark('training and evaluation');
  if (result.status !== 'diverged' && result.warning)
    send({ type: 'log', level: 'warn', message: result.warning });

  // The run keeps its best checkpoint when early stopping is on, else its last weights.
  let keptMetrics = result.lastMetrics;
  if (config.train.earlyStopping && result.position.best && hasCheckpoint(abs(dirs.best))) {
    const opt = new AdamW();
    restoreCheckpoint(task, opt, readCheckpoint(abs(dirs.best)));
    opt.dispose();
    keptMetrics = evals.get(result.position.best.step) ?? keptMetrics;
  }
  const { type: _type, ...methodConfig } = config.method;
  // All or nothing: a full disk here fails the run in one line and leaves no partial adapter folder.
  const files = await saveFinalAdapter(
    model,
    adapter,
    {
      ...methodConfig,
      labels: data.labels,
      task: data.lm ? 'causal-lm' : 'classification',
      // Trained on clips: the base is read as a video classifier again when the adapter is loaded.
      ...(isVideoDataset(data.dataset) ? { video: true } : {}),
    },
    abs(dirs.adapter),
    baseIdentity(model, modelContentHash(resolveModelDir(config.model))),
  );
  const mainFile = files[0] as string;
  clock.mark('save');
  send({ type: 'log', level: 'info', message: clock.line() });
  send({
    type: 'checkpoint',
    kind: 'adapter',
    path: dirs.adapter,
    sha256: await fileSha256(mainFile),
    bytes: adapterDiskBytes(files),
    step: result.position.step,
  });
  const summary = {
    metrics: keptMetrics,
    trainableParams: account.trainable,
    totalParams: baseParams,
    adapterDir: dirs.adapter,
    peakMemoryBytes: peakMemoryBytes(),
  };
  if (result.status === 'diverged')
    send({ type: 'finished', status: 'diverged', message: result.message, summary });
  else
    send({
      type: 'finished',
      status: result.status,
      summary,
      ...(result.warning ? { warning: result.warning } : {}),
    });
}

/** A continual run: every stage's progress as usual, each row of the retention matrix as metrics when known. */
async function runContinualJob(cmd: Extract<ToWorker, { type: 'continual' }>): Promise<void> {
  const { config } = cmd;
  await initBackend(undefined, { engineProcess: true });
  const { model, tok } = loadModelAndTokenizer(config, firstTaskLabels(config));
  const tasks = config.tasks.map((t) => t.name);
  // Stages follow each other on one step axis (stage 2's step 1 comes after stage 1's last), and each stage's
  // first step is recorded as `system/stage`, so the charts mark where a stage starts.
  let offset = 0;
  let stageSteps = 0;
  const identity = baseIdentity(model, modelContentHash(resolveModelDir(config.model)));
  try {
    const result = await runContinual(config, model, tok, {
      onStageTrained: async (i, stage) => {
        const saved = await saveStageAdapter(
          model,
          config,
          { index: i, ...stage },
          { projectDir: cmd.projectDir, runId: cmd.runId },
          identity,
        );
        send({
          type: 'checkpoint',
          kind: STAGE_ADAPTER,
          ...saved,
          step: offset + stageSteps,
          task: tasks[i],
        });
      },
      onStage: (i, name) => {
        offset += stageSteps;
        stageSteps = 0;
        send({ type: 'log', level: 'info', message: `stage ${i + 1}/${tasks.length}: ${name}` });
        send({ type: 'metrics', points: [{ split: 'system', name: 'stage', step: offset, value: i + 1 }] });
      },
      onRow: (i, row, change, metric) =>
        send({ type: 'metrics', points: retentionPoints(tasks, metric, i, row, change) }),
      trainer: {
        onProgress: (p) => {
          stageSteps = p.totalSteps;
          send({ type: 'progress', ...p, step: offset + p.step, totalSteps: offset + p.totalSteps });
        },
        onLog: (message) => send({ type: 'log', level: 'info', message }),
        ...controls,
      },
    });
    const last = result.matrix.at(-1) ?? [];
    const metrics = Object.fromEntries(
      tasks.flatMap((t, j) =>
        last[j] === null || last[j] === undefined ? [] : [[`${result.metric}/${t}`, last[j]]],
      ),
    );
    const summary = {
      metrics,
      trainableParams: result.trainableParams,
      totalParams: modelParameterCount(config.model),
      adapterDir: null,
      peakMemoryBytes: peakMemoryBytes(),
    };
    send({
      type: 'finished',
      status: result.status,
      ...(result.message ? { message: result.message } : {}),
      summary,
    });
  } finally {
    model.dispose();
  }
}

// Main went away (closed, killed, crashed): nothing can record this run any more, so go at once instead of
// training on as an orphan. Checkpoints are written synchronously, so this never leaves half of one; the last
// complete one stays the resume point and main marks the run interrupted when the project is next opened.
process.on('disconnect', () => process.exit(0));

process.on('message', (raw) => {
  const cmd = raw as ToWorker;
  if (cmd.type === 'pause') {
    paused = true;
  } else if (cmd.type === 'resume') {
    paused = false;
    wake?.();
  } else if (cmd.type === 'cancel') {
    cancelled = true;
    paused = false;
    wake?.();
  } else if (cmd.type === 'start' || cmd.type === 'continual') {
    (cmd.type === 'start' ? run(cmd) : runContinualJob(cmd))
      .catch((err: unknown) => {
        const message =
          describeUserFacing(err) ?? (err instanceof Error ? (err.stack ?? err.message) : String(err));
        send({
          type: 'finished',
          status: 'failed',
          message,
          summary: { metrics: {}, trainableParams: 0, totalParams: 0, adapterDir: null },
        });
      })
      .finally(() => {
        // Let the last IPC messages flush, then leave (wasm worker threads would keep the process alive).
        setTimeout(() => process.exit(0), 50);
      });
  }
});
