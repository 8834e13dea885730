/**
 * A self-contained BERT-style encoder for the engine benchmark, built only on the engine's fast ops
 * (src-main/engine/ops): 2-D linear layers with XNNPACK-friendly gradients, per-head attention, scatter-add
 * embeddings. Methods: full fine-tuning, LoRA (query/value), Houlsby and Pfeiffer bottleneck adapters. Random
 * weights; the shape and the method wiring follow BERT/PEFT/adapters so the real model can replace it later.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  gatherRows,
  geluErf,
  linear,
  multiHeadAttention,
  paddingBias,
} from '../../src-main/engine/ops/index.ts';

export interface EncoderShape {
  layers: number;
  hidden: number;
  heads: number;
  ffn: number;
  vocab: number;
  positions: number;
  labels: number;
}

export type Method = 'full' | 'lora' | 'houlsby' | 'pfeiffer';

export interface MethodSpec {
  method: Method;
  /** LoRA rank (r) and alpha. */
  r?: number;
  alpha?: number;
  /** Bottleneck reduction factor (hidden / bottleneck). */
  reductionFactor?: number;
}

export interface Batch {
  ids: tf.Tensor2D;
  mask: tf.Tensor2D;
  types: tf.Tensor2D;
}

/** Deterministic uniform(-a, a) values: benchmarks need no real weights, only the right shapes. */
function randomVar(
  shape: number[],
  name: string,
  scale: number,
  seed: number,
  trainable: boolean,
): tf.Variable {
  return tf.tidy(() => tf.variable(tf.randomUniform(shape, -scale, scale, 'float32', seed), trainable, name));
}

let instance = 0;

export class BenchEncoder {
  readonly params = new Map<string, tf.Variable>();
  /** Method weights (adapters, LoRA factors), by name. */
  readonly extra = new Map<string, tf.Variable>();
  readonly #id = ++instance;
  #seed = 1;
  #merged = false;
  spec: MethodSpec = { method: 'full' };
  /** Runs the base model only: LoRA paths and adapters are skipped (for base-vs-adapter latency). */
  bypass = false;

  constructor(readonly shape: EncoderShape) {
    const { hidden: d, ffn, vocab, positions, labels, layers } = shape;
    const w = (name: string, s: number[], scale = 0.04) => this.#add(this.params, name, s, scale);
    const ones = (name: string) =>
      this.params.set(name, tf.variable(tf.ones([d]), false, `${name}#${this.#id}`));
    const zeros = (name: string, n = d) =>
      this.params.set(name, tf.variable(tf.zeros([n]), false, `${name}#${this.#id}`));
    w('emb.word', [vocab, d]);
    w('emb.pos', [positions, d]);
    w('emb.type', [2, d]);
    ones('emb.ln.g');
    zeros('emb.ln.b');
    for (let l = 0; l < layers; l++) {
      for (const m of ['q', 'k', 'v', 'o']) {
        w(`l${l}.${m}.w`, [d, d]);
        zeros(`l${l}.${m}.b`);
      }
      w(`l${l}.in.w`, [d, ffn]);
      zeros(`l${l}.in.b`, ffn);
      w(`l${l}.out.w`, [ffn, d]);
      zeros(`l${l}.out.b`);
      for (const n of ['ln1', 'ln2']) {
        ones(`l${l}.${n}.g`);
        zeros(`l${l}.${n}.b`);
      }
    }
    w('head.w', [d, labels]);
    zeros('head.b', labels);
  }

  #add(map: Map<string, tf.Variable>, name: string, s: number[], scale: number): void {
    map.set(name, randomVar(s, `${name}#${this.#id}`, scale, this.#seed++, false));
  }

  #p(name: string): tf.Variable {
    const v = this.params.get(name) ?? this.extra.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  /** Sets up a method: creates its weights and marks what trains. Returns the trainable variables by name. */
  useMethod(spec: MethodSpec): Map<string, tf.Variable> {
    this.clearMethod();
    this.spec = spec;
    const { hidden: d, layers } = this.shape;
    if (spec.method === 'lora') {
      const r = spec.r ?? 8;
      for (let l = 0; l < layers; l++) {
        for (const m of ['q', 'v']) {
          this.#add(this.extra, `l${l}.${m}.lora_A`, [d, r], 0.05);
          // PEFT starts B at zero; small random values here so the bench does real arithmetic either way.
          this.#add(this.extra, `l${l}.${m}.lora_B`, [r, d], 0.01);
        }
      }
    } else if (spec.method === 'houlsby' || spec.method === 'pfeiffer') {
      const size = Math.max(1, Math.round(d / (spec.reductionFactor ?? 16)));
      const sites = spec.method === 'houlsby' ? ['attn', 'ffn'] : ['ffn'];
      for (let l = 0; l < layers; l++) {
        for (const s of sites) {
          this.#add(this.extra, `l${l}.ad_${s}.down.w`, [d, size], 0.05);
          this.extra.set(
            `l${l}.ad_${s}.down.b`,
            tf.variable(tf.zeros([size]), false, `l${l}.ad_${s}.db#${this.#id}`),
          );
          this.#add(this.extra, `l${l}.ad_${s}.up.w`, [size, d], 0.01);
          this.extra.set(
            `l${l}.ad_${s}.up.b`,
            tf.variable(tf.zeros([d]), false, `l${l}.ad_${s}.ub#${this.#id}`),
          );
        }
      }
    }
    const trainable = new Map<string, tf.Variable>();
    for (const [n, v] of this.params) {
      // Full fine-tuning trains everything; every method trains the task head (PEFT's modules_to_save).
      v.trainable = spec.method === 'full' || n.startsWith('head.');
      if (v.trainable) trainable.set(n, v);
    }
    for (const [n, v] of this.extra) {
      v.trainable = true;
      trainable.set(n, v);
    }
    return trainable;
  }

  clearMethod(): void {
    if (this.#merged) this.unmergeLora();
    for (const v of this.extra.values()) v.dispose();
    this.extra.clear();
    this.spec = { method: 'full' };
  }

  #loraScale(): number {
    return (this.spec.alpha ?? 16) / (this.spec.r ?? 8);
  }

  /** Folds LoRA into the base weights (W += A·B·scale); the forward pass then skips the LoRA path. */
  mergeLora(): void {
    if (this.spec.method !== 'lora' || this.#merged) return;
    this.#foldLora(1);
    this.#merged = true;
  }

  unmergeLora(): void {
    if (!this.#merged) return;
    this.#foldLora(-1);
    this.#merged = false;
  }

  #foldLora(sign: number): void {
    tf.tidy(() => {
      for (let l = 0; l < this.shape.layers; l++) {
        for (const m of ['q', 'v']) {
          const w = this.#p(`l${l}.${m}.w`);
          const delta = tf.matMul(this.#p(`l${l}.${m}.lora_A`), this.#p(`l${l}.${m}.lora_B`));
          w.assign(w.add(delta.mul(sign * this.#loraScale())));
        }
      }
    });
  }

  #linear(x: tf.Tensor2D, name: string): tf.Tensor2D {
    let y = linear(x, this.#p(`${name}.w`), this.#p(`${name}.b`));
    if (this.spec.method === 'lora' && !this.#merged && !this.bypass && this.extra.has(`${name}.lora_A`)) {
      const lora = linear(linear(x, this.#p(`${name}.lora_A`)), this.#p(`${name}.lora_B`));
      y = y.add(lora.mul(this.#loraScale()));
    }
    return y;
  }

  #adapter(h: tf.Tensor2D, site: string): tf.Tensor2D {
    const down = `${site}.down`;
    if (this.bypass || !this.extra.has(`${down}.w`)) return h;
    const z = tf.relu(linear(h, this.#p(`${down}.w`), this.#p(`${down}.b`)));
    return h.add(linear(z, this.#p(`${site}.up.w`), this.#p(`${site}.up.b`)));
  }

  #layerNorm(x: tf.Tensor, prefix: string): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    return x
      .sub(mean)
      .mul(variance.add(1e-12).rsqrt())
      .mul(this.#p(`${prefix}.g`))
      .add(this.#p(`${prefix}.b`)) as tf.Tensor2D;
  }

  /** Logits [batch, labels]; call inside tf.tidy / variableGrads. */
  forward(batch: Batch): tf.Tensor2D {
    const [B, S] = batch.ids.shape;
    const { hidden: d, heads, layers } = this.shape;
    const pos = tf.range(0, S, 1, 'int32');
    let x = gatherRows(this.#p('emb.word'), batch.ids.reshape([-1]))
      .reshape([B, S, d])
      .add(gatherRows(this.#p('emb.pos'), pos).reshape([1, S, d]))
      .add(gatherRows(this.#p('emb.type'), batch.types.reshape([-1])).reshape([B, S, d]))
      .reshape([B * S, d]) as tf.Tensor2D;
    x = this.#layerNorm(x, 'emb.ln');
    const bias = paddingBias(batch.mask);
    const shape = { batch: B, seq: S, heads, headDim: d / heads };
    for (let l = 0; l < layers; l++) {
      const ctx = multiHeadAttention(
        this.#linear(x, `l${l}.q`),
        this.#linear(x, `l${l}.k`),
        this.#linear(x, `l${l}.v`),
        shape,
        { bias },
      );
      const attn = this.#adapter(this.#linear(ctx, `l${l}.o`), `l${l}.ad_attn`);
      const h = this.#layerNorm(attn.add(x), `l${l}.ln1`);
      const inter = geluErf(this.#linear(h, `l${l}.in`)) as tf.Tensor2D;
      const out = this.#adapter(this.#linear(inter, `l${l}.out`), `l${l}.ad_ffn`);
      x = this.#layerNorm(out.add(h), `l${l}.ln2`);
    }
    const cls = x.reshape([B, S, d]).slice([0, 0, 0], [B, 1, d]).reshape([B, d]) as tf.Tensor2D;
    return linear(cls, this.#p('head.w'), this.#p('head.b'));
  }

  /** Weights a token touches in matmuls (N of CLI.md's MFU), attention's QKᵀ and PV included, and those trained. */
  flopWeights(seq: number): { perToken: number; trained: number } {
    const { hidden: d, ffn, layers } = this.shape;
    const dense = layers * (4 * d * d + 2 * d * ffn);
    let extra = 0;
    for (const v of this.extra.values()) if (v.rank === 2) extra += v.size; // biases are not matmul weights
    // The classifier reads one token per sequence: negligible, left out of both counts.
    return {
      perToken: dense + layers * 2 * seq * d + extra,
      trained: this.spec.method === 'full' ? dense : extra,
    };
  }

  dispose(): void {
    this.clearMethod();
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
