import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { initBackend } from '../../engine/backends.ts';
import { readSafetensors, writeSafetensors } from '../../engine/safetensors/index.ts';
import type { RawTensor } from '../../engine/safetensors/index.ts';
import { UserError } from '../../errors.ts';
import { loadBaseForAdapter } from '../../adapters/base-for-adapter.ts';
import type { ModelInputs } from '../../models/index.ts';
import type { CommonConfig } from '../../models/base/types.ts';
import { ModelInputError } from '../../models/base/errors.ts';
import { withAdapter } from '../../adapters/runtime.ts';
import { predictFileCommand } from './evaluate.ts';

const INPUT_NAMES = {
  input_ids: 'inputIds',
  attention_mask: 'attentionMask',
  token_type_ids: 'tokenTypeIds',
  pixel_values: 'pixelValues',
} as const;

/**
 * Reads the model inputs a predict file may hold (other tensors are ignored) and checks them against the model:
 * the kind of input it takes and, for text, ids inside its vocabulary (an out-of-range id would silently embed
 * as zeros rather than fail).
 */
export function readInputs(
  file: string,
  model?: Pick<CommonConfig, 'modelType' | 'inputKind' | 'vocabSize'>,
): { inputs: ModelInputs; dispose: () => void } {
  const raw = readSafetensors(file, (n) => n in INPUT_NAMES).tensors;
  // Everything is checked before any tensor is made, so a refused file leaves nothing behind.
  const problem = inputProblem(raw, model);
  if (problem) throw new UserError(`${file}: ${problem}`);
  const made: tf.Tensor[] = [];
  const inputs: ModelInputs = {};
  for (const [name, key] of Object.entries(INPUT_NAMES)) {
    const r = raw.get(name);
    if (!r) continue;
    const t = tf.tensor(r.data, r.shape, r.dtype);
    made.push(t);
    (inputs as Record<string, tf.Tensor>)[key] = t;
  }
  return { inputs, dispose: () => tf.dispose(made) };
}

function inputProblem(
  raw: ReadonlyMap<string, RawTensor>,
  model?: Pick<CommonConfig, 'modelType' | 'inputKind' | 'vocabSize'>,
): string | undefined {
  for (const [name, r] of raw) {
    if (name === 'pixel_values' && (r.dtype !== 'float32' || r.shape.length !== 4))
      return 'pixel_values must be float32 [batch, channels, height, width]';
    if (name !== 'pixel_values' && (r.dtype !== 'int32' || r.shape.length !== 2))
      return `${name} must be an integer tensor [batch, seq]`;
  }
  const ids = raw.get('input_ids');
  if (!ids && !raw.has('pixel_values')) return 'has neither input_ids nor pixel_values';
  for (const name of ['attention_mask', 'token_type_ids']) {
    const other = raw.get(name);
    if (ids && other && other.shape.join() !== ids.shape.join())
      return `${name} is [${other.shape.join(', ')}] but input_ids is [${ids.shape.join(', ')}]`;
  }
  if (!model) return undefined;
  // A two-tower model (CLIP) takes either input or both; the others need their one.
  const need = model.inputKind === 'image' ? 'pixel_values' : model.inputKind === 'text' ? 'input_ids' : null;
  if (need && !raw.has(need)) return `this ${model.modelType} model needs ${need}`;
  if (need === 'input_ids' && ids && model.vocabSize !== null) {
    const vocab = model.vocabSize;
    const bad = ids.data.find((v) => v < 0 || v >= vocab);
    if (bad !== undefined) return `input_ids holds ${bad}, outside the vocabulary [0, ${vocab})`;
  }
  return undefined;
}

async function toRaw(t: tf.Tensor): Promise<RawTensor> {
  return { dtype: 'float32', shape: t.shape, data: Float32Array.from(await t.data()) };
}

/** `studio predict`: a forward pass of a model folder, optionally with an adapter folder. */
export function register(program: Command): void {
  program
    .command('predict')
    .description(
      'run a forward pass and write logits to a safetensors file, or predict a run on a CSV/JSONL file',
    )
    .option('--model <dir>', 'Hugging Face model folder')
    .option('--adapter <dir>', 'adapter folder (PEFT format or ours)')
    .option('--inputs <file>', 'safetensors with input_ids/attention_mask/token_type_ids or pixel_values')
    .option('--output <file>', 'where to write logits (F32)')
    .option('--project <dir>', 'with --run and --data: the project of the run to predict with')
    .option('--run <id>', 'run id (with --project and --data)')
    .option('--data <file>', "CSV/TSV/JSONL file with the run's text column(s), one prediction per row")
    .option('--out <file>', 'predictions of --data: OUT.csv or OUT.jsonl')
    .action(async (opts: PredictOptions) => {
      if (opts.data !== undefined) {
        const missing = (['project', 'run', 'out'] as const).filter((k) => opts[k] === undefined);
        if (missing.length)
          throw new UserError(`predict --data needs ${missing.map((k) => `--${k}`).join(', ')}`);
        await predictFileCommand({
          project: opts.project as string,
          run: opts.run as string,
          data: opts.data,
          out: opts.out as string,
        });
        return;
      }
      const missing = (['model', 'inputs', 'output'] as const).filter((k) => opts[k] === undefined);
      if (missing.length)
        throw new UserError(
          `predict needs ${missing.map((k) => `--${k}`).join(', ')} (or --project, --run, --data and --out)`,
        );
      await forwardCommand(
        opts as Required<Pick<PredictOptions, 'model' | 'inputs' | 'output'>> & PredictOptions,
      );
    });
}

interface PredictOptions {
  model?: string;
  adapter?: string;
  inputs?: string;
  output?: string;
  project?: string;
  run?: string;
  data?: string;
  out?: string;
}

/** The safetensors contract of CLI.md: logits (and last_hidden_state) of a model folder, with an adapter. */
async function forwardCommand(opts: { model: string; adapter?: string; inputs: string; output: string }) {
  await initBackend();
  const model = loadBaseForAdapter(opts.model, opts.adapter);
  const { inputs, dispose } = readInputs(opts.inputs, model.config);
  const [logits, lastHiddenState, extra] = await withAdapter(model, opts.adapter, (hooks) => {
    try {
      const out = model.forward(inputs, { hooks });
      return [out.logits, out.lastHiddenState, out.extra ?? {}] as const;
    } catch (err) {
      // The model knows what it cannot take; the user needs to know which file to fix.
      if (err instanceof ModelInputError) throw new UserError(`${opts.inputs}: ${err.message}`);
      throw err;
    }
  });
  if (!logits) throw new Error('the model returned no logits');
  const out = new Map<string, RawTensor>([['logits', await toRaw(logits)]]);
  if (lastHiddenState) out.set('last_hidden_state', await toRaw(lastHiddenState));
  // The outputs the architecture declares beyond logits (CLIP: logits_per_text, the embeddings), by their names.
  for (const [name, t] of Object.entries(extra)) if (!out.has(name)) out.set(name, await toRaw(t));
  writeSafetensors(opts.output, out, { producer: 'adapter-studio' });
  tf.dispose([logits, lastHiddenState, ...Object.values(extra)]);
  dispose();
  model.dispose();
  process.stderr.write(`wrote ${opts.output} (logits ${logits.shape.join('x')})\n`);
}
