/**
 * "Merge adapters" on the Adapters page and `studio merge-adapters --project`: LoRA adapters of the library merged
 * as PEFT's add_weighted_adapter does (the engine process computes it: lora-merge/), recorded as a new completed
 * run whose config carries the recipe (`merge`: sources, type, weights, density...). Being an ordinary run with an
 * adapter, it lists in the library, runs in the playground, exports (PEFT, merged, bundle) like any other.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { MergeOptions, MergeRecipe, MergeResult, MergeSummary } from '../../src-shared/merge.ts';
import type { RunView } from '../../src-shared/domain.ts';
import type { MergeFoldersRequest } from '../lora-merge/folders.ts';
import { insertRun, updateRunStatus } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { stagingDir } from '../export/project-cleanup.ts';
import { recordStagedRun } from '../export/staged-run.ts';
import { fileSha256 } from '../node-shared/hash-file.ts';
import { adapterDirOf } from './library.ts';
import { runView } from './runs.ts';

/** The engine job that computes a merge (InferenceClient, or the CLI's in-process merge). */
export type MergeEngine = (request: MergeFoldersRequest) => Promise<MergeSummary>;

export interface MergeInput {
  runIds: number[];
  options: MergeOptions;
  /** The new adapter's name; default "<type> merge of #1 + #2". */
  name?: string | undefined;
}

interface Source {
  run: RunView;
  dir: string;
}

function sourceOf(db: Database, projectDir: string, id: number): Source {
  const run = runView(db, id);
  const recorded = adapterDirOf(db, projectDir, id);
  if (run.status !== 'completed' || !recorded || !fs.existsSync(recorded))
    throw new UserError(`run #${id} (${run.name}) has no finished adapter to merge`);
  // The artifact names the adapter folder (or, in older records, its weights file).
  const dir = fs.statSync(recorded).isDirectory() ? recorded : path.dirname(recorded);
  if (run.method !== 'lora')
    throw new UserError(
      `run #${id} (${run.name}) is a ${run.method} adapter: only LoRA adapters can be merged`,
    );
  return { run, dir };
}

/** Checks what main can know without the engine: LoRA runs with adapters, one base, one weight each. */
function checkSources(db: Database, projectDir: string, input: MergeInput): Source[] {
  if (new Set(input.runIds).size !== input.runIds.length)
    throw new UserError('each adapter can be merged once');
  if (input.runIds.length < 2) throw new UserError('choose at least two LoRA adapters to merge');
  const sources = input.runIds.map((id) => sourceOf(db, projectDir, id));
  const first = sources[0] as Source;
  const other = sources.find((s) => s.run.config.model !== first.run.config.model);
  if (other)
    throw new UserError(
      `#${first.run.id} and #${other.run.id} are adapters of different base models (${String(first.run.config.model)}, ${String(other.run.config.model)}): merge adapters of one base`,
    );
  const weights = input.options.weights;
  if (weights && weights.length !== sources.length)
    throw new UserError(`${sources.length} adapters need ${sources.length} weights, got ${weights.length}`);
  if (input.options.head >= sources.length)
    throw new UserError(`head ${input.options.head}: there are ${sources.length} adapters (count from 0)`);
  return sources;
}

/** Merges library adapters into a new library entry; nothing is kept if any step fails. */
export async function mergeIntoLibrary(
  db: Database,
  projectDir: string,
  engine: MergeEngine,
  input: MergeInput,
): Promise<MergeResult> {
  const sources = checkSources(db, projectDir, input);
  const first = sources[0] as Source;
  const head = sources[input.options.head] as Source;
  const options = { ...input.options, weights: input.options.weights ?? sources.map(() => 1) };
  const staging = stagingDir(projectDir, 'merge');
  try {
    const adapterDir = path.join(staging, 'adapter');
    const summary = await engine({
      model: String(first.run.config.model),
      sources: sources.map((s) => ({ dir: s.dir, name: `#${s.run.id} ${s.run.name}` })),
      options,
      out: adapterDir,
    });
    const recipe: MergeRecipe = {
      ...options,
      sources: sources.map((s) => ({ runId: s.run.id, name: s.run.name })),
    };
    const name =
      input.name?.trim() || `${options.type} merge of ${sources.map((s) => `#${s.run.id}`).join(' + ')}`;
    const now = new Date().toISOString();
    const sha256 = await fileSha256(path.join(adapterDir, 'adapter.safetensors'));
    const bytes = fs
      .readdirSync(adapterDir)
      .reduce((n, f) => n + fs.statSync(path.join(adapterDir, f)).size, 0);
    const base = db.prepare('SELECT base_model_id AS id FROM runs WHERE id = ?').get(first.run.id) as {
      id: number | null;
    };
    const runId = recordStagedRun(db, projectDir, staging, {
      createdAt: now,
      adapter: { sha256, bytes, meta: { merge: recipe } },
      rows: () => {
        const id = insertRun(db, {
          name,
          datasetId: null,
          baseModelId: base.id,
          method: 'lora',
          config: {
            project: projectDir,
            model: first.run.config.model,
            // The head's dataset: what the merged adapter's labels mean.
            ...(head.run.config.dataset !== undefined ? { dataset: head.run.config.dataset } : {}),
            method: { type: 'lora', r: summary.rank, alpha: summary.alpha },
            merge: recipe,
          },
          createdAt: now,
        });
        updateRunStatus(db, id, {
          status: 'completed',
          message: `merged from ${recipe.sources.map((s) => `#${s.runId}`).join(', ')} (${options.type}); not trained, not evaluated`,
          trainableParams: summary.loraParams,
          totalParams: first.run.totalParams ?? undefined,
          step: 0,
          totalSteps: 0,
          startedAt: now,
          finishedAt: now,
        });
        return id;
      },
    });
    // The size the library lists: the whole folder (our files and PEFT's).
    return { ...summary, bytes, runId, name };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
