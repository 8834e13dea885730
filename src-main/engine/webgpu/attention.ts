/**
 * Fused attention on the webgpu backend: softmax(q kᵀ · scale + bias) v in one kernel forward, two backward (dQ;
 * dK with dV), and a decode kernel for one query row against a KV cache. The composed form (engine/ops/attention.ts)
 * takes ~8 dispatches forward and more backward per layer and writes the [batch, heads, seq, kvSeq] scores and
 * probabilities to memory several times; these kernels never store them (attention-wgsl.ts says how).
 * `STUDIO_FUSED_ATTENTION=0` turns them off, so one GPU session can time both forms.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';
import type { UniformInput, WebGpuProgram } from './backend-internals.ts';
import { DECODE_THREADS, decodeSource } from './attention-decode-wgsl.ts';
import { ATTENTION_UNIFORMS, forwardSource, gradKVSource, gradQSource, ownQuads } from './attention-wgsl.ts';
import { subgroupLanes } from './gpu-features.ts';
import type { AttentionVariant } from './attention-wgsl.ts';
import { dropoutUniforms } from './dropout-mask.ts';
import { runProgram } from './programs.ts';

/** The dropout of the attention probabilities: engine/ops/dropout.ts's mask of call `call` from `seed`. */
export interface AttentionDropout {
  rate: number;
  /** A number, or an int32 [1] tensor with the seed's 32 bits (a captured step's input). */
  seed: number | tf.Tensor;
  call: number;
}

export interface FusedAttentionOptions {
  bias: tf.Tensor | null;
  scale: number;
  dropout: AttentionDropout | null;
  /**
   * How q, k and v hold their heads: [batch, heads, seq, d] ('bhsd', the default) or [batch, seq, heads, d] ('bshd':
   * the projections' [batch·seq, heads·d] rows reshaped, no transpose). The context and gradients come back alike.
   */
  layout?: 'bhsd' | 'bshd';
}

/** A q/k/v tensor's sizes whatever its layout. */
interface HeadDims {
  batch: number;
  heads: number;
  seq: number;
  d: number;
}

function dimsOf(t: tf.Tensor4D, layout: FusedAttentionOptions['layout']): HeadDims {
  const [batch, a, b, d] = t.shape;
  return layout === 'bshd' ? { batch, heads: b, seq: a, d } : { batch, heads: a, seq: b, d };
}

/** Element strides of a row's batch, head and position in the layout (the kernels' qsb, qsh, qsr and ksb, ksh, ksr uniforms). */
function rowStrides({ heads, seq, d }: HeadDims, layout: FusedAttentionOptions['layout']): number[] {
  return layout === 'bshd' ? [seq * heads * d, d, heads * d] : [heads * seq * d, seq * d, d];
}

/** Invocations per workgroup, and rows per workgroup where one invocation holds a row. */
const THREADS = 256;
const ROWS = 64;
/** A row's slice per invocation is at least this many vec4s: splitting finer costs more shuffles than it gains. */
const MIN_OWN_QUADS = 4;

/**
 * Invocations per row (attention-wgsl.ts): the largest power of two that divides the head's vec4s leaving each at
 * least MIN_OWN_QUADS, fits in one subgroup and in a workgroup of THREADS; 1 without subgroups.
 */
export function partsFor(d: number, lanes: number): number {
  const q4 = Math.ceil(d / 4);
  let p = 1;
  while (q4 % (2 * p) === 0 && q4 / (2 * p) >= MIN_OWN_QUADS && 2 * p <= lanes && 2 * p <= THREADS) p *= 2;
  return p;
}
/** Largest head size the kernels take (a row keeps up to four head-sized vectors in its invocations' registers). */
const MAX_HEAD_DIM = 256;

/** Keys (or queries) per tile: two tiles of `tile · d` floats stay well inside WebGPU's 16 KiB of workgroup memory. */
const tileFor = (d: number) => Math.max(1, Math.min(32, 2 ** Math.floor(Math.log2(1024 / d))));

class AttentionProgram implements WebGpuProgram {
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly uniforms = ATTENTION_UNIFORMS;
  readonly workgroupSize: [number, number, number];

  constructor(
    readonly name: string,
    public shaderKey: string,
    readonly variableNames: string[],
    size: number,
    readonly dispatch: [number, number, number],
    threads: number,
    private readonly code: string,
  ) {
    this.outputShape = [size];
    this.workgroupSize = [threads, 1, 1];
  }

  getUserCode(): string {
    return this.code;
  }
}

/** Element strides of a bias [b|1, h|1, s|1, kvSeq] (0 on broadcast axes), or null when it is not of that form. */
function biasStrides(bias: tf.Tensor, q: HeadDims, kvSeq: number): [number, number, number] | null {
  if (bias.rank !== 4 || bias.dtype !== 'float32') return null;
  const [bb, bh, bq, bk] = bias.shape as [number, number, number, number];
  const { batch, heads, seq } = q;
  if (bk !== kvSeq || ![1, batch].includes(bb) || ![1, heads].includes(bh) || ![1, seq].includes(bq))
    return null;
  return [bb === 1 ? 0 : bh * bq * bk, bh === 1 ? 0 : bq * bk, bq === 1 ? 0 : bk];
}

/**
 * Whether the kernels' loops over a head run to a constant (unrolled: real GPUs) or to a uniform: on a software
 * adapter (STUDIO_WEBGPU_SOFTWARE=1, lavapipe in the tests) the unrolled kernels take minutes to compile.
 */
export const unrollLoops = (): boolean => process.env.STUDIO_WEBGPU_SOFTWARE !== '1';

/** Whether attention of this head size runs fused here: the webgpu backend, unless STUDIO_FUSED_ATTENTION=0. */
export function fusedAttentionEnabled(headDim: number): boolean {
  return process.env.STUDIO_FUSED_ATTENTION !== '0' && webgpuBackend() !== null && headDim <= MAX_HEAD_DIM;
}

/** Whether the fused kernels take these inputs (else the caller composes the op). */
export function fusedAttentionApplies(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  opts: FusedAttentionOptions,
): boolean {
  const qd = dimsOf(q, opts.layout);
  const kd = dimsOf(k, opts.layout);
  if (!fusedAttentionEnabled(qd.d)) return false;
  if ([q, k, v].some((t) => t.dtype !== 'float32') || v.shape.join() !== k.shape.join() || kd.d !== qd.d)
    return false;
  if (qd.heads % kd.heads !== 0 || q.size === 0 || kd.seq === 0 || kd.batch !== qd.batch) return false;
  return !opts.bias || biasStrides(opts.bias, qd, kd.seq) !== null;
}

/** Everything a kernel launch needs from the inputs: variant, inputs past q/k/v and uniforms. */
function launch(q: tf.Tensor4D, k: tf.Tensor4D, opts: FusedAttentionOptions) {
  const qd = dimsOf(q, opts.layout);
  const kd = dimsOf(k, opts.layout);
  const { heads, seq, d } = qd;
  const { heads: kvHeads, seq: kvSeq } = kd;
  const dropout = opts.dropout && opts.dropout.rate > 0 ? opts.dropout : null;
  const parts = partsFor(d, subgroupLanes(webgpuBackend()?.device as { features: Set<string> } | null));
  const v: AttentionVariant = {
    d,
    parts,
    rows: Math.min(ROWS, THREADS / parts),
    tile: tileFor(d),
    bias: !!opts.bias,
    dropout: !!dropout,
    unroll: unrollLoops(),
  };
  const extra: tf.Tensor[] = [];
  const names: string[] = [];
  if (opts.bias) {
    extra.push(opts.bias);
    names.push('Bias');
  }
  if (dropout) {
    const seed = dropout.seed;
    extra.push(typeof seed === 'number' ? tf.tensor1d([seed | 0], 'int32') : seed);
    names.push('Seed');
  }
  const strides = opts.bias ? (biasStrides(opts.bias, qd, kvSeq) ?? [0, 0, 0]) : [0, 0, 0];
  const uniforms: UniformInput[] = [
    { type: 'int32', data: [seq] },
    { type: 'int32', data: [kvSeq] },
    { type: 'int32', data: [heads] },
    { type: 'int32', data: [heads / kvHeads] },
    { type: 'float32', data: [opts.scale] },
    ...strides.map((s): UniformInput => ({ type: 'int32', data: [s] })),
    ...(dropout ? dropoutUniforms(dropout.rate, dropout.call) : dropoutUniforms(0, 0)),
    { type: 'int32', data: [ownQuads(v)] },
    ...[...rowStrides(qd, opts.layout), ...rowStrides(kd, opts.layout)].map(
      (x): UniformInput => ({ type: 'int32', data: [x] }),
    ),
  ];
  // Everything baked into the source: tf.js caches compiled pipelines by this key.
  const key = (kind: string) =>
    `studio_attention_${kind}_${v.d}_${v.rows}x${v.parts}_${v.tile}_${v.bias}_${v.dropout}_${v.unroll}`;
  return { v, extra, names, uniforms, key, q: qd, k: kd };
}

/**
 * The forward kernel: the context [batch, heads, seq, d] alone (`lse` false) or packed with each query row's
 * logsumexp after it (flat [batch·heads·seq·(d + 1)]), which the backward kernels read.
 */
function forward(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, opts: FusedAttentionOptions, lse: boolean) {
  const l = launch(q, k, opts);
  const { batch, heads, seq, d } = l.q;
  const rows = batch * heads * seq;
  const program = new AttentionProgram(
    'studio_attention',
    `${l.key('fwd')}_${lse}`,
    ['Q', 'K', 'V', ...l.names],
    rows * d + (lse ? rows : 0),
    [Math.ceil(seq / l.v.rows), heads, batch],
    l.v.rows * l.v.parts,
    forwardSource(l.v, lse),
  );
  return runProgram(program, [q, k, v, ...l.extra], l.uniforms);
}

/** dQ, dK and dV from the packed forward output `f` and the context's gradient `dy`. */
function backward(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  f: tf.Tensor,
  dy: tf.Tensor,
  opts: FusedAttentionOptions,
): tf.Tensor4D[] {
  const l = launch(q, k, opts);
  const { batch, heads, seq } = l.q;
  const { heads: kvHeads, seq: kvSeq } = l.k;
  const inputs = [q, k, v, f, dy.reshape([dy.size]), ...l.extra];
  const names = ['Q', 'K', 'V', 'F', 'DY', ...l.names];
  const dq = new AttentionProgram(
    'studio_attention_grad_q',
    l.key('dq'),
    names,
    q.size,
    [Math.ceil(seq / l.v.rows), heads, batch],
    l.v.rows * l.v.parts,
    gradQSource(l.v),
  );
  const dkv = new AttentionProgram(
    'studio_attention_grad_kv',
    l.key('dkv'),
    names,
    2 * k.size,
    [Math.ceil(kvSeq / l.v.rows), kvHeads, batch],
    l.v.rows * l.v.parts,
    gradKVSource(l.v),
  );
  const kv = runProgram(dkv, inputs, l.uniforms);
  return [
    runProgram(dq, inputs, l.uniforms).reshape(q.shape),
    kv.slice([0], [k.size]).reshape(k.shape),
    kv.slice([k.size], [k.size]).reshape(v.shape),
  ] as tf.Tensor4D[];
}

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/**
 * softmax(q kᵀ · scale + bias) v with the fused kernels (check {@link fusedAttentionApplies} first); q [batch,
 * heads, seq, d], k and v [batch, kvHeads, kvSeq, d]. Differentiable in q, k and v (the bias is a constant mask).
 */
export function fusedAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  opts: FusedAttentionOptions,
): tf.Tensor4D {
  // Without a gradient tape nothing reads the logsumexp: the lighter variant (and the decode kernel for one row).
  if (!tf.engine().isTapeOn()) {
    return tf.tidy(() =>
      // The decode kernel reads the [batch, heads, seq, d] layout.
      (q.shape[2] === 1 && opts.layout !== 'bshd' && !(opts.dropout && opts.dropout.rate > 0)
        ? decode(q, k, v, opts)
        : forward(q, k, v, opts, false)
      ).reshape(q.shape),
    ) as tf.Tensor4D;
  }
  const f = tf.customGrad((...args: Args) => {
    const [qs, ks, vs, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    const packed = forward(qs, ks, vs, opts, true);
    // The bias and a seed tensor are saved too: the backward may run after the forward's scope disposed them.
    const seed = opts.dropout?.seed;
    const constants = [opts.bias, typeof seed === 'object' ? seed : null];
    save([qs, ks, vs, packed, ...constants.filter((t): t is tf.Tensor => t !== null)]);
    return {
      value: packed.slice([0], [qs.size]).reshape(qs.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sf] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor];
        const rest = saved.slice(4);
        const bias = opts.bias ? (rest.shift() ?? null) : null;
        const d = opts.dropout;
        const dropout = d && typeof d.seed === 'object' ? { ...d, seed: rest.shift() as tf.Tensor } : d;
        return backward(sq, sk, sv, sf, dy, { ...opts, bias, dropout });
      },
    };
  });
  return f(q, k, v) as tf.Tensor4D;
}

/** One query row per sequence against the cached keys and values (generation's step): [batch, heads, 1, d]. */
function decode(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, opts: FusedAttentionOptions): tf.Tensor {
  const [batch, heads, , d] = q.shape;
  const l = launch(q, k, { ...opts, dropout: null });
  const program = new AttentionProgram(
    'studio_attention_decode',
    `studio_attention_decode_${d}_${l.v.bias}`,
    ['Q', 'K', 'V', ...l.names],
    q.size,
    [heads, batch, 1],
    DECODE_THREADS,
    decodeSource(l.v),
  );
  return runProgram(program, [q, k, v, ...l.extra], l.uniforms);
}
