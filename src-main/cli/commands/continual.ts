import type { Command } from 'commander';
import { continualConfigSchema } from '../../../src-shared/train-config.ts';
import '../../adapters/schemas.ts';
import type { ContinualConfig } from '../../../src-shared/train-config.ts';
import { initBackend } from '../../engine/backends.ts';
import { logMetrics } from '../../db/tables/metrics.ts';
import { updateRunStatus } from '../../db/tables/runs.ts';
import { insertContinualRun } from '../../services/continual.ts';
import { retentionPoints } from '../../training/retention.ts';
import { firstTaskLabels, runContinual } from '../../training/continual.ts';
import { loadModelAndTokenizer, resolveModelDir } from '../../training/prepare.ts';
import { saveStageAdapter, STAGE_ADAPTER } from '../../training/stage-adapter.ts';
import { insertArtifact } from '../../db/tables/artifacts.ts';
import { baseIdentity } from '../../adapters/index.ts';
import { modelContentHash } from '../../models/content-hash.ts';
import { loadDataset } from '../../data/index.ts';
import { preflightRun } from '../../training/preflight/index.ts';
import { configPaths, namingConfigFile, readJsonConfig } from '../config-file.ts';
import { ProgressReporter } from '../progress.ts';
import { openProject } from './train.ts';
import { removeStaleRunDir } from '../../export/project-cleanup.ts';

function readConfig(file: string): ContinualConfig {
  const c = readJsonConfig(file, continualConfigSchema);
  const p = configPaths(file);
  return {
    ...c,
    project: p.abs(c.project),
    model: p.model(c.model),
    tasks: c.tasks.map((t) => ({ ...t, dataset: p.dataset(t.dataset) })),
  };
}

const fmt = (v: number | null) => (v === null ? '    -' : v.toFixed(3).padStart(6));

/** `studio continual --config FILE [--json]`: the retention matrix of a sequence of tasks. */
export function register(program: Command): void {
  program
    .command('continual')
    .description('train tasks in sequence with one method and evaluate every earlier task after each stage')
    .requiredOption('--config <file>', 'train config with "tasks" in place of "dataset"')
    .option('--json', 'print {"runId","tasks","matrix"} as the last stdout line')
    .action(async (opts: { config: string; json?: boolean }) => {
      const config = readConfig(opts.config);
      await initBackend();
      // Every task's dataset, the model and the sizes are checked before the project or its run row exist.
      namingConfigFile(opts.config, () => {
        for (const t of config.tasks) preflightRun({ ...config, dataset: t.dataset }, loadDataset(t.dataset));
      });
      const { projects, dir } = openProject(config.project);
      const db = projects.db(dir);
      const runId = insertContinualRun(db, config);
      // The id is new: a folder already under its name is a crash's leftover and must not be inherited.
      removeStaleRunDir(dir, runId);
      updateRunStatus(db, runId, { status: 'running', startedAt: new Date().toISOString() });
      const reporter = new ProgressReporter(process.stderr);
      const { model, tok } = loadModelAndTokenizer(config, firstTaskLabels(config));
      try {
        const tasks = config.tasks.map((t) => t.name);
        const identity = baseIdentity(model, modelContentHash(resolveModelDir(config.model)));
        const result = await runContinual(config, model, tok, {
          onStage: (i, name) => reporter.message(`stage ${i + 1}/${config.tasks.length}: ${name}`),
          // Each stage's adapter is kept as the studio's runs keep theirs, for `studio continual-fuse`.
          onStageTrained: async (i, stage) => {
            const saved = await saveStageAdapter(
              model,
              config,
              { index: i, ...stage },
              { projectDir: dir, runId },
              identity,
            );
            insertArtifact(db, {
              runId,
              kind: STAGE_ADAPTER,
              ...saved,
              meta: { task: tasks[i] },
              createdAt: new Date().toISOString(),
            });
          },
          onRow: (i, row, change, metric) =>
            logMetrics(db, runId, retentionPoints(tasks, metric, i, row, change)),
          trainer: { onProgress: (p) => reporter.update(p) },
        });
        reporter.end();
        updateRunStatus(db, runId, {
          status: result.status,
          message: result.message ?? null,
          finishedAt: new Date().toISOString(),
        });
        const width = Math.max(...result.tasks.map((t) => t.length), 8);
        const lines = [
          `${result.metric} after each stage (rows) on each task (columns); max logit change since the task was learned:`,
          `${''.padEnd(width + 8)}${result.tasks.map((t) => t.padStart(width)).join(' ')}`,
          ...result.matrix.map(
            (row, i) =>
              `after ${String(result.tasks[i]).padEnd(width + 2)}${row.map((v) => fmt(v).padStart(width)).join(' ')}   Δlogits ${result.change[i]?.map((c) => (c === null ? '-' : c.toExponential(1))).join(' ')}`,
          ),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        if (opts.json)
          process.stdout.write(
            `${JSON.stringify({ runId, tasks: result.tasks, matrix: result.matrix, logitChange: result.change, metric: result.metric })}\n`,
          );
      } catch (err) {
        updateRunStatus(db, runId, {
          status: 'failed',
          message: (err as Error).message,
          finishedAt: new Date().toISOString(),
        });
        throw err;
      } finally {
        model.dispose();
        projects.close();
      }
    });
}
