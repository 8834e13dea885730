/**
 * `studio compose create|list|show|predict`: the Compose page from the command line. A composition is a recipe of
 * blocks (stack, parallel, average, batch-split) over a project's library adapters, saved as a library entry (a
 * completed `compose` run) through the same services (services/compose.ts). The CLI computes in-process.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { BLOCK_KINDS, composeBlockSchema, describeBlock } from '../../../src-shared/compose.ts';
import type { ComposeBlock, ComposeSource } from '../../../src-shared/compose.ts';
import type { PlaygroundResult } from '../../../src-shared/library.ts';
import { initBackend } from '../../engine/backends.ts';
import { checkAdapter, ModelCache, predict } from '../../inference/predict.ts';
import { draftComposition, listCompositions, saveComposition } from '../../services/compose.ts';
import type { CompositionInput } from '../../services/compose.ts';
import { adapterDirOf, playgroundRequest } from '../../services/library.ts';
import { runView } from '../../services/runs.ts';
import { UserError } from '../errors.ts';
import { withProject } from './runs.ts';

const numbers = (flag: string, integer: boolean) => (value: string) =>
  value.split(',').map((v) => {
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n) || (integer && (!Number.isInteger(n) || n <= 0)))
      throw new UserError(
        `${flag}: "${value}" is not a comma-separated list of ${integer ? 'ids' : 'numbers'}`,
      );
    return n;
  });

const recipeFile = z
  .object({
    block: composeBlockSchema,
    runIds: z.array(z.number().int().positive()).min(1),
    name: z.string().optional(),
  })
  .strict();

interface RecipeOpts {
  block?: string;
  runs?: number[];
  weights?: number[];
  sizes?: number[];
  mode?: 'outputs' | 'weights';
  recipe?: string;
  name?: string;
}

/** The recipe from `--recipe FILE` (any nesting) or from one block over `--runs`. */
export function recipeOf(opts: RecipeOpts): CompositionInput {
  if (opts.recipe) {
    const parsed = recipeFile.safeParse(JSON.parse(fs.readFileSync(opts.recipe, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UserError(`${opts.recipe}: ${issue?.path.join('.') || 'recipe'}: ${issue?.message}`);
    }
    return { ...parsed.data, ...(opts.name ? { name: opts.name } : {}) };
  }
  if (!opts.block || !opts.runs) throw new UserError('give --block and --runs, or --recipe FILE');
  if (!(BLOCK_KINDS as readonly string[]).includes(opts.block))
    throw new UserError(`--block: one of ${BLOCK_KINDS.join(', ')}`);
  const children = opts.runs.map((_, source) => ({ block: 'adapter' as const, source }));
  const raw = {
    block: opts.block,
    children,
    ...(opts.block === 'average' && opts.weights ? { weights: opts.weights } : {}),
    ...(opts.block === 'average' && opts.mode ? { mode: opts.mode } : {}),
    ...(opts.block === 'batch-split' ? { sizes: opts.sizes ?? [] } : {}),
  };
  const block = composeBlockSchema.safeParse(raw);
  if (!block.success) throw new UserError(`--block ${opts.block}: ${block.error.issues[0]?.message}`);
  return { block: block.data, runIds: opts.runs, ...(opts.name ? { name: opts.name } : {}) };
}

const recipeOptions = (c: Command) =>
  c
    .option('--block <kind>', `the block over --runs: ${BLOCK_KINDS.join(', ')}`)
    .option(
      '--runs <ids>',
      'library runs, comma-separated (the block takes them in this order)',
      numbers('--runs', true),
    )
    .option(
      '--weights <w>',
      'average: a weight per adapter, comma-separated (normalised to sum 1)',
      numbers('--weights', false),
    )
    .option('--mode <m>', 'average: "outputs" (default) or "weights" (same-shaped adapters)')
    .option('--sizes <n>', 'batch-split: rows per adapter, comma-separated', numbers('--sizes', true))
    .option('--recipe <file>', 'a JSON recipe {"block": ..., "runIds": [...]} for nested blocks');

function printColumns(result: PlaygroundResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  for (const c of result.columns.filter((x) => x.key !== 'base')) {
    const top = c.top
      ? c.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', ')
      : `(${c.note})`;
    process.stdout.write(`${c.title.padEnd(40)} ${top}\n`);
    // A router says whom it sent the text to.
    if (c.routing)
      process.stdout.write(
        `${''.padEnd(40)} routed to ${c.routing.map((r) => `${r.adapter} ${(100 * r.weight).toFixed(1)}%`).join(', ')}\n`,
      );
    // A layers router also prints its gate weights per layer (a row each, a column per adapter).
    if (c.layers) {
      const { adapters, slots, weights } = c.layers;
      process.stdout.write(
        `${''.padEnd(40)} ${''.padEnd(8)} ${adapters.map((a) => a.padStart(18)).join(' ')}\n`,
      );
      slots.forEach((slot, l) =>
        process.stdout.write(
          `${''.padEnd(40)} ${slot.padEnd(8)} ${(weights[l] ?? []).map((w) => `${(100 * w).toFixed(1)}%`.padStart(18)).join(' ')}\n`,
        ),
      );
    }
  }
}

export function register(program: Command): void {
  const compose = program
    .command('compose')
    .description('compose library adapters (stack, parallel, average, batch-split) into a library entry');

  recipeOptions(
    compose
      .command('create')
      .description('save a composition of library adapters as a library entry; prints its run id')
      .requiredOption('--project <dir>', 'project folder')
      .option('--name <name>', 'its name in the library'),
  )
    .option('--json', 'print the result as one JSON line')
    .action(async (opts: RecipeOpts & { project: string; json?: boolean }) => {
      const input = recipeOf(opts);
      await initBackend();
      const cache = new ModelCache();
      try {
        const saved = await withProject(opts.project, (db, abs) =>
          saveComposition(db, abs, input, async (model, dir) => {
            checkAdapter(cache, model, dir);
          }),
        );
        process.stdout.write(opts.json ? `${JSON.stringify(saved)}\n` : `${saved.runId}\n`);
      } finally {
        cache.dispose();
      }
    });

  compose
    .command('list')
    .description("the project's compositions and fusions")
    .requiredOption('--project <dir>', 'project folder')
    .option('--json', 'print them as one JSON line')
    .action(async (opts: { project: string; json?: boolean }) => {
      const list = await withProject(opts.project, (db) => listCompositions(db));
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify(list.map((r) => ({ id: r.id, name: r.name, method: r.method, status: r.status })))}\n`,
        );
        return;
      }
      for (const r of list)
        process.stdout.write(
          `${String(r.id).padStart(4)}  ${r.method.padEnd(8)} ${r.status.padEnd(10)} ${r.name}\n`,
        );
    });

  compose
    .command('show')
    .description('a composition’s recipe: its blocks, and each adapter with its run and weights hash')
    .requiredOption('--project <dir>', 'project folder')
    .requiredOption('--run <id>', 'the composition’s run id', (v) => numbers('--run', true)(v)[0] as number)
    .option('--json', 'print the recipe as one JSON line')
    .action(async (opts: { project: string; run: number; json?: boolean }) => {
      const run = await withProject(opts.project, (db) => runView(db, opts.run));
      const method = run.config.method as {
        type?: string;
        block?: ComposeBlock;
        sources?: ComposeSource[];
        adapters?: unknown[];
      };
      if (method.type !== 'compose' && method.type !== 'fuse' && method.type !== 'router')
        throw new UserError(`run ${opts.run}: a ${run.method} run, not a composition`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ id: run.id, name: run.name, method: method })}\n`);
        return;
      }
      const sources = method.sources ?? [];
      process.stdout.write(`#${run.id} ${run.name}\n`);
      if (method.block)
        process.stdout.write(`  ${describeBlock(method.block, (i) => sources[i]?.name ?? `#${i}`)}\n`);
      else process.stdout.write(`  ${method.type}(${(method.adapters ?? []).join(', ')})\n`);
      for (const [i, s] of sources.entries())
        process.stdout.write(
          `  [${i}] ${s.name ?? s.method} (${s.method}${s.sha256 ? `, sha256 ${s.sha256.slice(0, 12)}…` : ''})\n`,
        );
    });

  recipeOptions(
    compose
      .command('predict')
      .description('a composition’s answer for a text: a saved one (--run) or a recipe tried without saving')
      .requiredOption('--project <dir>', 'project folder')
      .option(
        '--run <id>',
        'a saved composition (or any library run)',
        (v) => numbers('--run', true)(v)[0] as number,
      )
      .requiredOption('--text <text>', 'the text')
      .option('--pair <text>', 'a second text (sentence pair)'),
  )
    .option('--top <k>', 'how many labels to show', (v) => Number(v), 3)
    .option('--json', 'print the result as one JSON line')
    .action(
      async (
        opts: RecipeOpts & {
          project: string;
          run?: number;
          text: string;
          pair?: string;
          top: number;
          json?: boolean;
        },
      ) => {
        await initBackend();
        const cache = new ModelCache();
        try {
          const result = await withProject(opts.project, async (db, abs) => {
            const text = { text: opts.text, ...(opts.pair ? { pair: opts.pair } : {}) };
            if (opts.run !== undefined) {
              if (!adapterDirOf(db, abs, opts.run))
                throw new UserError(`run ${opts.run}: has no finished adapter`);
              const model = String(runView(db, opts.run).config.model ?? 'default');
              return await predict(cache, {
                ...playgroundRequest(db, abs, { model, runIds: [opts.run], ...text }),
                topK: opts.top,
              });
            }
            const draft = draftComposition(db, abs, recipeOf(opts));
            try {
              // Awaited: the draft's folder must stay until the prediction has read it.
              return await predict(cache, {
                model: draft.model,
                adapters: [{ key: 'composition', title: 'Composition', dir: draft.dir }],
                ...text,
                topK: opts.top,
              });
            } finally {
              draft.cleanup();
            }
          });
          printColumns(result, Boolean(opts.json));
        } finally {
          cache.dispose();
        }
      },
    );
}
