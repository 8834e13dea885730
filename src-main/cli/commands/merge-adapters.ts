import path from 'node:path';
import type { Command } from 'commander';
import { COMBINATION_TYPES, mergeOptionsSchema } from '../../../src-shared/merge.ts';
import type { MergeOptions, MergeSummary } from '../../../src-shared/merge.ts';
import { PROJECT_DB_FILE } from '../../app/paths.ts';
import { mergeAdapterFolders } from '../../lora-merge/folders.ts';
import { initBackend } from '../../engine/backends.ts';
import { mergeIntoLibrary } from '../../services/merge-adapters.ts';
import { isProjectDir } from '../../services/projects.ts';
import { UserError } from '../errors.ts';
import { openProject } from './train.ts';

interface Opts {
  project?: string;
  runs?: string;
  model?: string;
  adapter: string[];
  out?: string;
  type: string;
  weights?: string;
  density?: string;
  majoritySign: string;
  svdRank?: string;
  svdClamp?: string;
  seed: string;
  head: string;
  name?: string;
  json?: boolean;
}

function numbers(flag: string, value: string): number[] {
  return value.split(',').map((v) => {
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`${flag}: "${v}" is not a number`);
    return n;
  });
}

const num = (flag: string, v: string | undefined) => (v === undefined ? undefined : numbers(flag, v)[0]);

/** The command line's options as the schema parses them; the first problem in one line, naming the flag. */
function mergeOptions(o: Opts): MergeOptions {
  const flags: Record<string, string> = {
    type: '--type',
    weights: '--weights',
    density: '--density',
    majoritySign: '--majority-sign',
    svdRank: '--svd-rank',
    svdClamp: '--svd-clamp',
    seed: '--seed',
    head: '--head',
  };
  const parsed = mergeOptionsSchema.safeParse({
    type: o.type,
    ...(o.weights !== undefined ? { weights: numbers('--weights', o.weights) } : {}),
    ...(o.density !== undefined ? { density: num('--density', o.density) } : {}),
    majoritySign: o.majoritySign,
    ...(o.svdRank !== undefined ? { svdRank: num('--svd-rank', o.svdRank) } : {}),
    ...(o.svdClamp !== undefined ? { svdClamp: num('--svd-clamp', o.svdClamp) } : {}),
    seed: num('--seed', o.seed),
    head: num('--head', o.head),
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  if (key === 'type')
    throw new UserError(
      `--type: "${o.type}" is not a combination type (one of ${COMBINATION_TYPES.join(', ')})`,
    );
  throw new UserError(`${flags[key] ?? key}: ${issue?.message}`);
}

function report(s: MergeSummary & { runId?: number; name?: string; out?: string }, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  process.stderr.write(
    `merged: rank ${s.rank}, ${s.modules} modules, ${s.loraParams} LoRA parameters, ${s.bytes} bytes\n`,
  );
  process.stdout.write(`${s.runId !== undefined ? `${s.runId}\t${s.name}` : s.out}\n`);
}

/** `studio merge-adapters`: LoRA adapters merged as PEFT's add_weighted_adapter does. */
export function register(program: Command): void {
  program
    .command('merge-adapters')
    .description(
      "merge LoRA adapters as PEFT's add_weighted_adapter does: into a project's library (--project, --runs) or a folder (--model, --adapter ..., --out)",
    )
    .option('--project <dir>', 'project folder: merge its runs (--runs) into a new library entry')
    .option('--runs <ids>', 'with --project: run ids of the LoRA adapters, comma-separated (2 or more)')
    .option('--model <dir>', 'without --project: the base model folder (or "default")')
    .option(
      '--adapter <dir>',
      'without --project: an adapter folder (PEFT or ours); repeat for each',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--out <dir>', 'without --project: the new adapter folder')
    .option('--type <type>', COMBINATION_TYPES.join('|'), 'svd')
    .option('--weights <w1,w2,...>', 'one weight per adapter (default 1 each; negative subtracts)')
    .option('--density <d>', 'share kept by pruning, in [0, 1] (ties, dare_*, magnitude_prune*)')
    .option('--majority-sign <method>', 'total|frequency (ties, dare_ties)', 'total')
    .option('--svd-rank <r>', 'rank of an *svd result (default: the largest source rank)')
    .option('--svd-clamp <q>', 'clamp the SVD factors at this quantile of their values')
    .option('--seed <n>', "seed of DARE's random masks", '0')
    .option('--head <i>', 'which adapter (0-based) gives the task head and labels', '0')
    .option('--name <name>', "with --project: the new adapter's name")
    .option('--json', 'print the result as JSON')
    .action(async (o: Opts) => {
      const options = mergeOptions(o);
      if (o.project !== undefined) {
        if (o.runs === undefined)
          throw new UserError('merge-adapters --project needs --runs (e.g. --runs 3,4)');
        if (!isProjectDir(o.project))
          throw new UserError(`${path.join(o.project, PROJECT_DB_FILE)}: not an Adapter Studio project`);
        const runIds = numbers('--runs', o.runs).map((id) => {
          if (!Number.isInteger(id) || id <= 0) throw new UserError(`--runs: "${id}" is not a run id`);
          return id;
        });
        await initBackend();
        const { projects, dir } = openProject(o.project);
        try {
          const result = await mergeIntoLibrary(projects.db(dir), dir, (r) => mergeAdapterFolders(r), {
            runIds,
            options,
            name: o.name,
          });
          report(result, o.json === true);
        } finally {
          projects.close();
        }
        return;
      }
      const missing = [
        ...(o.model === undefined ? ['--model'] : []),
        ...(o.adapter.length < 2 ? ['--adapter (twice or more)'] : []),
        ...(o.out === undefined ? ['--out'] : []),
      ];
      if (missing.length)
        throw new UserError(`merge-adapters needs ${missing.join(', ')} (or --project and --runs)`);
      await initBackend();
      const out = path.resolve(o.out as string);
      const summary = await mergeAdapterFolders({
        model: o.model as string,
        sources: o.adapter.map((dir) => ({ dir: path.resolve(dir), name: dir })),
        options,
        out,
      });
      report({ ...summary, out }, o.json === true);
    });
}
