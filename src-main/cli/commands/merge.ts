import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadAdapter } from '../../adapters/io.ts';
import { initBackend } from '../../engine/backends.ts';
import { writeSafetensors } from '../../engine/safetensors/index.ts';
import { UserError } from '../../errors.ts';
import { loadBaseForAdapter } from '../../adapters/base-for-adapter.ts';
import type { Model } from '../../models/index.ts';

/** Files of a model folder that travel unchanged into a merged folder (tokenizer, generation settings). */
const COPY =
  /^(tokenizer(_config)?\.json|vocab\.(txt|json)|merges\.txt|special_tokens_map\.json|generation_config\.json|preprocessor_config\.json)$/;

/**
 * Writes `model` (with any merged adapter folded in) as a Hugging Face folder loadable by transformers: config.json
 * (labels updated), model.safetensors in torch layout, and the tokenizer files of the source folder.
 */
export async function writeMergedFolder(
  model: Model,
  sourceDir: string,
  outDir: string,
  headWeights?: ReadonlyMap<string, Float32Array>,
): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const raw = await model.params.toRaw();
  if (headWeights)
    for (const [n, d] of headWeights) {
      const t = raw.get(n);
      if (t) raw.set(n, { ...t, data: d });
    }
  writeSafetensors(path.join(outDir, 'model.safetensors'), raw, { format: 'pt' });
  const config = JSON.parse(fs.readFileSync(path.join(sourceDir, 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  fs.writeFileSync(path.join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  for (const f of fs.readdirSync(sourceDir))
    if (COPY.test(f)) fs.copyFileSync(path.join(sourceDir, f), path.join(outDir, f));
}

/** `studio merge --model DIR --adapter DIR --out DIR`: fold a LoRA or IA3 adapter into the weights. */
export function register(program: Command): void {
  program
    .command('merge')
    .description('merge a LoRA or IA3 adapter into the base weights and write a Hugging Face model folder')
    .requiredOption('--model <dir>', 'Hugging Face model folder')
    .requiredOption('--adapter <dir>', 'adapter folder (PEFT format or ours)')
    .requiredOption('--out <dir>', 'output folder')
    .action(async (opts: { model: string; adapter: string; out: string }) => {
      await initBackend();
      const model = loadBaseForAdapter(opts.model, opts.adapter);
      const adapter = loadAdapter(model, opts.adapter, {
        warn: (w) => process.stderr.write(`warning: ${w}\n`),
      });
      if (!adapter.merge)
        throw new UserError(
          `${opts.adapter}: a ${adapter.method} adapter cannot be merged (only LoRA and IA3)`,
        );
      await adapter.merge();
      // modules_to_save (the trained head) replaces the base head in the merged model.
      const head = new Map<string, Float32Array>();
      for (const [name, w] of adapter.weights) {
        if (model.params.has(name) && /\.(weight|bias)$/.test(name)) {
          head.set(name, Float32Array.from(await w.data()));
        }
      }
      const headRaw = new Map<string, Float32Array>();
      for (const [name, data] of head) {
        const layout = model.params.layout(name);
        const shape = model.params.get(name).shape;
        headRaw.set(
          name,
          layout === 'linear' ? transpose2d(data, shape[0] as number, shape[1] as number) : data,
        );
      }
      await writeMergedFolder(model, opts.model, opts.out, headRaw);
      adapter.dispose();
      model.dispose();
      process.stderr.write(`wrote ${opts.out}\n`);
    });
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j] as number;
  return out;
}
