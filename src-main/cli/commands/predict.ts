import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { initBackend } from '../../engine/backends.ts';
import { readSafetensors, writeSafetensors } from '../../engine/safetensors/index.ts';
import type { RawTensor } from '../../engine/safetensors/index.ts';
import { UserError } from '../../errors.ts';
import { loadModel } from '../../models/index.ts';
import type { ModelInputs } from '../../models/index.ts';
import { withAdapter } from '../../adapters/runtime.ts';

const INPUT_NAMES = {
  input_ids: 'inputIds',
  attention_mask: 'attentionMask',
  token_type_ids: 'tokenTypeIds',
  pixel_values: 'pixelValues',
} as const;

/** Reads the model inputs a predict file may hold; other tensors are ignored. */
export function readInputs(file: string): { inputs: ModelInputs; dispose: () => void } {
  const raw = readSafetensors(file, (n) => n in INPUT_NAMES).tensors;
  const made: tf.Tensor[] = [];
  const inputs: ModelInputs = {};
  for (const [name, key] of Object.entries(INPUT_NAMES)) {
    const r = raw.get(name);
    if (!r) continue;
    if (key === 'pixelValues' && (r.dtype !== 'float32' || r.shape.length !== 4)) {
      throw new UserError(`${file}: pixel_values must be float32 [batch, channels, height, width]`);
    }
    if (key !== 'pixelValues' && (r.dtype !== 'int32' || r.shape.length !== 2)) {
      throw new UserError(`${file}: ${name} must be an integer tensor [batch, seq]`);
    }
    const t = tf.tensor(r.data, r.shape, r.dtype);
    made.push(t);
    (inputs as Record<string, tf.Tensor>)[key] = t;
  }
  if (!inputs.inputIds && !inputs.pixelValues)
    throw new UserError(`${file}: has neither input_ids nor pixel_values`);
  return { inputs, dispose: () => tf.dispose(made) };
}

async function toRaw(t: tf.Tensor): Promise<RawTensor> {
  return { dtype: 'float32', shape: t.shape, data: Float32Array.from(await t.data()) };
}

/** `studio predict`: a forward pass of a model folder, optionally with an adapter folder. */
export function register(program: Command): void {
  program
    .command('predict')
    .description('run a forward pass and write logits (and last_hidden_state) to a safetensors file')
    .requiredOption('--model <dir>', 'Hugging Face model folder')
    .option('--adapter <dir>', 'adapter folder (PEFT format or ours)')
    .requiredOption(
      '--inputs <file>',
      'safetensors with input_ids/attention_mask/token_type_ids or pixel_values',
    )
    .requiredOption('--output <file>', 'where to write logits (F32)')
    .action(async (opts: { model: string; adapter?: string; inputs: string; output: string }) => {
      await initBackend();
      const model = loadModel(opts.model);
      const { inputs, dispose } = readInputs(opts.inputs);
      const [logits, lastHiddenState] = await withAdapter(model, opts.adapter, (hooks) =>
        tf.tidy(() => {
          const out = model.forward(inputs, { hooks });
          return out.lastHiddenState ? [out.logits, out.lastHiddenState] : [out.logits];
        }),
      );
      if (!logits) throw new Error('the model returned no logits');
      const out = new Map<string, RawTensor>([['logits', await toRaw(logits)]]);
      if (lastHiddenState) out.set('last_hidden_state', await toRaw(lastHiddenState));
      writeSafetensors(opts.output, out, { producer: 'adapter-studio' });
      tf.dispose([logits, lastHiddenState]);
      dispose();
      model.dispose();
      process.stderr.write(`wrote ${opts.output} (logits ${logits.shape.join('x')})\n`);
    });
}
