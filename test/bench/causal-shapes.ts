/**
 * The causal-LM shapes the GPU comparison times (issue #20, "bigger bases"): GPT-2 medium and the Llama 3.2 1B
 * shape for LoRA steps, GPT-2 small for generation, each with a tiny stand-in of the same architecture so the code
 * paths run on lavapipe. torch_peer.py builds the same configs from the same numbers (`--big`, `--generate`).
 * The weights are random and made on the active backend (no file): timing and memory need only the real shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamStore } from '../../src-main/models/base/params.ts';
import type { ParamSpec } from '../../src-main/models/base/params.ts';
import type { Model } from '../../src-main/models/base/types.ts';
import { parseGpt2Config } from '../../src-main/models/gpt2/config.ts';
import { Gpt2Model } from '../../src-main/models/gpt2/graph.ts';
import { gpt2ParamSpecs } from '../../src-main/models/gpt2/weights.ts';
import { parseLlamaConfig } from '../../src-main/models/llama/config.ts';
import { LlamaModel } from '../../src-main/models/llama/graph.ts';
import { llamaParamSpecs } from '../../src-main/models/llama/weights.ts';

export interface CausalShape {
  arch: 'gpt2' | 'llama';
  layers: number;
  hidden: number;
  heads: number;
  /** Key/value heads (grouped-query attention); GPT-2 has as many as heads. */
  kvHeads: number;
  ffn: number;
  vocab: number;
  positions: number;
}

/**
 * The real shapes. Llama keeps its 128,256-token vocabulary (its tied embedding is 263M of the 1.24B weights and
 * its logits are most of the step's memory at this size: leaving it out would time another model); one buffer of
 * it is 1.05 GB, which the GPU's maxStorageBufferBindingSize must allow (the bench says so when it does not).
 */
export const CAUSAL_SHAPES = {
  'gpt2-medium': {
    arch: 'gpt2',
    layers: 24,
    hidden: 1024,
    heads: 16,
    kvHeads: 16,
    ffn: 4096,
    vocab: 50257,
    positions: 1024,
  },
  'llama-1b': {
    arch: 'llama',
    layers: 16,
    hidden: 2048,
    heads: 32,
    kvHeads: 8,
    ffn: 8192,
    vocab: 128256,
    positions: 131072,
  },
  'gpt2-small': {
    arch: 'gpt2',
    layers: 12,
    hidden: 768,
    heads: 12,
    kvHeads: 12,
    ffn: 3072,
    vocab: 50257,
    positions: 1024,
  },
} satisfies Record<string, CausalShape>;

export type CausalShapeName = keyof typeof CAUSAL_SHAPES;

/**
 * A stand-in of `s` on its own architecture: 2 layers 64 wide with 4 heads and a 512-token vocabulary, so its steps
 * run in seconds on lavapipe; `kvHeads` and `ffn` per shape, so Llama's grouped-query attention is kept.
 */
const tiny = (s: CausalShape, kvHeads: number, ffn: number): CausalShape => ({
  ...s,
  layers: 2,
  hidden: 64,
  heads: 4,
  kvHeads,
  ffn,
  vocab: 512,
});

/** Stand-ins of the same architectures (grouped-query attention kept) for lavapipe and the unit tests. */
export const TINY_SHAPES: Record<CausalShapeName, CausalShape> = {
  'gpt2-medium': tiny(CAUSAL_SHAPES['gpt2-medium'], 4, 256),
  'llama-1b': tiny(CAUSAL_SHAPES['llama-1b'], 2, 128),
  'gpt2-small': tiny(CAUSAL_SHAPES['gpt2-small'], 4, 256),
};

/** The shape's Hugging Face config.json (what torch_peer.py builds with GPT2Config / LlamaConfig). */
export function hfConfig(s: CausalShape): Record<string, unknown> {
  if (s.arch === 'gpt2')
    return {
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      vocab_size: s.vocab,
      n_positions: s.positions,
      n_embd: s.hidden,
      n_layer: s.layers,
      n_head: s.heads,
      n_inner: s.ffn,
      activation_function: 'gelu_new',
      tie_word_embeddings: true,
    };
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: s.vocab,
    hidden_size: s.hidden,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    intermediate_size: s.ffn,
    max_position_embeddings: s.positions,
    rms_norm_eps: 1e-5,
    rope_theta: 500000,
    hidden_act: 'silu',
    tie_word_embeddings: true,
  };
}

function specsOf(s: CausalShape): { specs: ParamSpec[]; build: (p: ParamStore) => Model } {
  const raw = hfConfig(s);
  if (s.arch === 'gpt2') {
    const c = parseGpt2Config('config.json', raw);
    return { specs: gpt2ParamSpecs(c), build: (p) => new Gpt2Model(c, p) };
  }
  const c = parseLlamaConfig('config.json', raw);
  return { specs: llamaParamSpecs(c), build: (p) => new LlamaModel(c, p) };
}

/** Scalars of the shape's weights as the model holds them (tied head counted once), from the specs alone. */
export function paramCount(s: CausalShape): number {
  return specsOf(s)
    .specs.filter((p) => !p.tiedTo && p.shape)
    .reduce((n, p) => n + (p.shape ?? []).reduce((a, b) => a * b, 1), 0);
}

/** LoRA's targets on each architecture, as PEFT names them: GPT-2's fused c_attn (q, k, v), Llama's q and v. */
export const LORA_TARGETS: Record<CausalShape['arch'], string[]> = {
  gpt2: ['c_attn'],
  llama: ['q_proj', 'v_proj'],
};

/**
 * A weight of `shape` with values in [-0.02, 0.02), made on the backend from one small random vector per axis:
 * frac(sin(a_i·12.9898 + b_j·78.233)·43758.5453), the shader hash. Only rows + columns numbers are drawn on the CPU,
 * so a 1.05 GB embedding costs no 1 GB host array and no minute of JavaScript random numbers.
 */
function hashed(shape: number[], draw: () => number): tf.Tensor {
  return tf.tidy(() => {
    const cols = shape.at(-1) ?? 1;
    const rows = shape.reduce((a, b) => a * b, 1) / cols;
    const a = tf.tensor2d(Float32Array.from({ length: rows }, draw), [rows, 1]);
    const b = tf.tensor2d(Float32Array.from({ length: cols }, draw), [1, cols]);
    const x = tf.sin(a.mul(12.9898).add(b.mul(78.233))).mul(43758.5453);
    return x.sub(tf.floor(x)).sub(0.5).mul(0.04).reshape(shape);
  });
}

/** The shape as a model with random weights on the active backend; norms' weights 1, biases 0 as at init. */
export function randomCausalLm(s: CausalShape, seed = 1): Model {
  const { specs, build } = specsOf(s);
  let state = seed >>> 0;
  const draw = () => {
    state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x6d2b79f5) >>> 0;
    return (state / 4294967296) * 100;
  };
  const store = ParamStore.generated(specs, (spec, shape) => {
    if (spec.name.endsWith('.bias')) return tf.zeros(shape);
    if (shape.length === 1) return tf.ones(shape);
    return hashed(shape, draw);
  });
  return build(store);
}
