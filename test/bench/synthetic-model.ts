/** A random-weight Hugging Face folder of a given BERT shape, for benchmarks (no download, no fixture needed). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSafetensors } from '../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../src-main/engine/safetensors/index.ts';
import { parseBertConfig } from '../../src-main/models/bert/config.ts';
import { bertParamSpecs } from '../../src-main/models/bert/weights.ts';

export interface BertShape {
  layers: number;
  hidden: number;
  heads: number;
  ffn: number;
  vocab: number;
  positions: number;
  labels: number;
}

/**
 * The benches' shapes: BERT-small (CLI.md's bench contract) and BERT-base (12 layers, d=768), as on the GPU; `tiny`
 * for profiles on lavapipe (software Vulkan), where the others take minutes a step.
 */
export const BENCH_SHAPES = {
  tiny: { layers: 2, hidden: 64, heads: 2, ffn: 256, vocab: 200, positions: 64, labels: 2 },
  small: { layers: 4, hidden: 256, heads: 4, ffn: 1024, vocab: 1000, positions: 512, labels: 2 },
  base: { layers: 12, hidden: 768, heads: 12, ffn: 3072, vocab: 1000, positions: 512, labels: 2 },
} satisfies Record<string, BertShape>;

/** The shape named by `--shape tiny|small|base` in argv (small when absent). */
export function shapeArg(args: readonly string[]): { name: keyof typeof BENCH_SHAPES; shape: BertShape } {
  const i = args.indexOf('--shape');
  const name = (i >= 0 ? args[i + 1] : 'small') as keyof typeof BENCH_SHAPES;
  if (!(name in BENCH_SHAPES)) throw new Error(`--shape ${name}: expected tiny, small or base`);
  return { name, shape: BENCH_SHAPES[name] };
}

export function writeRandomBert(shape: BertShape, seed = 1): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-bench-model-'));
  const config = {
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    vocab_size: shape.vocab,
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.ffn,
    hidden_act: 'gelu',
    max_position_embeddings: shape.positions,
    type_vocab_size: 2,
    id2label: Object.fromEntries(Array.from({ length: shape.labels }, (_, i) => [String(i), `LABEL_${i}`])),
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x6d2b79f5) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const tensors = new Map<string, RawTensor>();
  for (const spec of bertParamSpecs(parseBertConfig('config.json', config))) {
    const shp = spec.shape ?? [shape.hidden];
    const n = shp.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isNormWeight = spec.name.endsWith('LayerNorm.weight');
    for (let i = 0; i < n; i++) data[i] = isNormWeight ? 1 : spec.name.endsWith('.bias') ? 0 : rand() * 0.04;
    tensors.set(spec.name, { dtype: 'float32', shape: shp, data });
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return dir;
}
