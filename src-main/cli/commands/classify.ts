import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../../engine/backends.ts';
import { UserError } from '../../errors.ts';
import { ModelCache, predict } from '../../inference/predict.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `studio classify --model DIR [--adapter DIR ...] (--text T | --image FILE | --frames FILE...) [--json]`: the playground from the
 * command line. The base's own predictions (when it is a classifier) and each adapter's, side by side, with the
 * time each swap took.
 */
export function register(program: Command): void {
  program
    .command('classify')
    .description("predict with a base model and each adapter side by side (the Adapters page's playground)")
    .requiredOption('--model <dir>', 'Hugging Face model folder, or "default"')
    .option('--adapter <dir>', 'adapter folder (repeat for several)', collect, [] as string[])
    .option('--text <text>', 'the text to classify')
    .option('--pair <text>', 'a second text (sentence pair)')
    .option('--image <file>', 'a PNG or JPEG, for image models')
    .option(
      '--frames <files...>',
      'a video clip for image models (ST-Adapter): one animated GIF, or frame images in order',
    )
    .option('--task <name>', 'a multi-task adapter answers this task only (default: every task)')
    .option('--top <k>', 'how many labels to show', (v) => Number(v), 3)
    .option('--json', 'print the result as one JSON line')
    .action(
      async (opts: {
        model: string;
        adapter: string[];
        text?: string;
        pair?: string;
        image?: string;
        frames?: string[];
        top: number;
        task?: string;
        json?: boolean;
      }) => {
        for (const f of [...(opts.image ? [opts.image] : []), ...(opts.frames ?? [])])
          if (!fs.existsSync(f)) throw new UserError(`${f}: no such file`);
        await initBackend();
        const cache = new ModelCache();
        const result = await predict(cache, {
          model: opts.model,
          adapters: opts.adapter.map((dir) => ({ key: dir, title: path.basename(path.resolve(dir)), dir })),
          ...(opts.text !== undefined ? { text: opts.text } : {}),
          ...(opts.pair ? { pair: opts.pair } : {}),
          ...(opts.image ? { imageBase64: fs.readFileSync(opts.image).toString('base64') } : {}),
          ...(opts.frames
            ? { framesBase64: opts.frames.map((f) => fs.readFileSync(f).toString('base64')) }
            : {}),
          topK: opts.top,
          ...(opts.task ? { task: opts.task } : {}),
        });
        cache.dispose();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} ms`);
        for (const c of result.columns) {
          const top = c.top
            ? c.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', ')
            : `(${c.note})`;
          const times = c.key === 'base' ? '' : `  [swap in ${ms(c.applyMs)}, forward ${ms(c.forwardMs)}]`;
          process.stdout.write(`${c.title.padEnd(28)} ${top}${times}\n`);
        }
      },
    );
}
