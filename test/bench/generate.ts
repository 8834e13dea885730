/**
 * `node bin/run-ts.mjs test/bench/generate.ts [--backend NAME] [--tokens N]`: text generation's tokens per second
 * on a random-weight GPT-2 of the shape tools/default-decoder pretrains (6 layers, d=320, 5 heads, ffn 1280,
 * vocabulary 8192), greedy, after a 16-token prompt: the base with and without the KV cache, and with a LoRA
 * (r=8 on c_attn). `studio generate --bench` measures a real model folder the same way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SAMPLING } from '../../src-shared/generation.ts';
import { createAdapter } from '../../src-main/adapters/index.ts';
import { activeBackend, initBackend } from '../../src-main/engine/backends.ts';
import { writeSafetensors } from '../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../src-main/engine/safetensors/index.ts';
import { decode } from '../../src-main/inference/generate/decode.ts';
import { parseGpt2Config } from '../../src-main/models/gpt2/config.ts';
import { gpt2ParamSpecs } from '../../src-main/models/gpt2/weights.ts';
import { loadModel } from '../../src-main/models/index.ts';
import type { ForwardHooks } from '../../src-main/models/base/hooks.ts';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const NEW = Number(arg('--tokens') ?? 64);

const config = {
  architectures: ['GPT2LMHeadModel'],
  model_type: 'gpt2',
  vocab_size: 8192,
  n_positions: 512,
  n_embd: 320,
  n_layer: 6,
  n_head: 5,
  n_inner: 1280,
  activation_function: 'gelu_new',
  tie_word_embeddings: true,
};

function writeRandomGpt2(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-bench-gpt2-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  let s = 7;
  const rand = () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x6d2b79f5) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const tensors = new Map<string, RawTensor>();
  for (const spec of gpt2ParamSpecs(parseGpt2Config('config.json', config))) {
    if (spec.tiedTo) continue;
    const shape = spec.shape ?? [config.n_embd];
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const norm = /ln_\d\.weight|ln_f\.weight/.test(spec.name);
    for (let i = 0; i < data.length; i++)
      data[i] = norm ? 1 : spec.name.endsWith('.bias') ? 0 : rand() * 0.04;
    tensors.set(spec.name, { dtype: 'float32', shape, data });
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return dir;
}

await initBackend(arg('--backend'));
const dir = writeRandomGpt2();
const model = loadModel(dir);
const prompt = Array.from({ length: 16 }, (_, i) => 100 + i * 37);
const limits = { eosIds: [], maxPositions: 512 };
const lora = createAdapter(model, { type: 'lora', r: 8, alpha: 16, dropout: 0, rslora: false }, 1);

async function measure(label: string, hooks: ForwardHooks, useCache: boolean): Promise<void> {
  const opts = { ...DEFAULT_SAMPLING, maxNewTokens: NEW, useCache, stopAtEos: false };
  await decode(model, hooks, prompt, { ...opts, maxNewTokens: 4 }, limits); // warm-up: kernels, allocation
  const out = await decode(model, hooks, prompt, opts, limits);
  const perSecond = ((out.ids.length - 1) * 1000) / (out.totalMs - out.prefillMs);
  process.stdout.write(
    `${label.padEnd(22)} ${String(out.ids.length).padStart(4)} tokens  prefill ${out.prefillMs.toFixed(1).padStart(7)} ms  ` +
      `${perSecond.toFixed(1).padStart(7)} tokens/s\n`,
  );
}

process.stdout.write(
  `GPT-2 6 layers d=320 vocab 8192 (random weights), 16-token prompt, ${NEW} new tokens, greedy, ${activeBackend()}\n`,
);
await measure('base, cache', {}, true);
await measure('base, no cache', {}, false);
await measure('LoRA r=8, cache', lora.hooks, true);
lora.dispose();
model.dispose();
fs.rmSync(dir, { recursive: true, force: true });
