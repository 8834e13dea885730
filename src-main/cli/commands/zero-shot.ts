import fs from 'node:fs';
import type { Command } from 'commander';
import { withAdapter } from '../../adapters/runtime.ts';
import { initBackend } from '../../engine/backends.ts';
import { decodeImage } from '../../data/images.ts';
import { UserError } from '../../errors.ts';
import { DEFAULT_TEMPLATE, parseLabels, zeroShot } from '../../inference/zero-shot.ts';
import { resolveModelDir } from '../../models/default-model.ts';
import { loadModel } from '../../models/index.ts';
import { loadTokenizer } from '../../models/tokenizer/index.ts';

interface ZeroShotOptions {
  model: string;
  image: string[];
  labels: string;
  template: string;
  adapter?: string;
  top?: number;
  json?: boolean;
}

/**
 * `studio zero-shot --model DIR --image FILE... --labels a,b,c [--template T] [--adapter DIR] [--json]`: ranks
 * the labels for each image with a CLIP base (optionally with a LoRA or other adapter on its towers).
 */
export function register(program: Command): void {
  program
    .command('zero-shot')
    .description('classify images by label prompts with a CLIP model (no training)')
    .requiredOption('--model <dir>', 'a CLIP model folder (config.json, model.safetensors, tokenizer.json)')
    .requiredOption('--image <files...>', 'PNG or JPEG images')
    .requiredOption('--labels <list>', 'comma-separated labels, e.g. cat,dog,bird')
    .option('--template <text>', 'the prompt of each label, with {label} in it', DEFAULT_TEMPLATE)
    .option('--adapter <dir>', 'an adapter folder for the CLIP base (PEFT format or ours)')
    .option('--top <k>', 'how many labels to show per image (default: all)', (v) => Number(v))
    .option('--json', 'print the result as one JSON line')
    .action(async (opts: ZeroShotOptions) => {
      const labels = parseLabels(opts.labels);
      for (const f of opts.image) if (!fs.existsSync(f)) throw new UserError(`${f}: no such file`);
      const images = opts.image.map((f) => decodeImage(f));
      await initBackend();
      const dir = resolveModelDir(opts.model);
      const model = loadModel(dir);
      try {
        const tok = loadTokenizer(dir);
        const ranked = await withAdapter(model, opts.adapter, (hooks) =>
          zeroShot({ model, tok, dir, images, labels, template: opts.template, hooks }),
        );
        const top = opts.top ?? labels.length;
        if (opts.json) {
          const rows = opts.image.map((image, i) => ({ image, labels: ranked[i]?.slice(0, top) ?? [] }));
          process.stdout.write(`${JSON.stringify({ model: dir, template: opts.template, images: rows })}\n`);
          return;
        }
        opts.image.forEach((image, i) => {
          const row = (ranked[i] ?? []).slice(0, top);
          process.stdout.write(
            `${image}: ${row.map((s) => `${s.label} ${(100 * s.probability).toFixed(1)}%`).join(', ')}\n`,
          );
        });
      } finally {
        model.dispose();
      }
    });
}
