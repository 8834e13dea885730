/**
 * WGSL of the fused attention kernels (attention.ts runs them). Flash-attention style: a query row's scores are
 * never stored; keys and values stream through workgroup memory in tiles while each row keeps its running max and
 * sum (the softmax "online"), and the backward recomputes the probabilities from the forward's per-row logsumexp.
 * `parts` consecutive invocations own one row (a query row forward and for dQ, a key row for dK/dV), each a slice
 * of its head-sized vectors in registers, and add their partial dot products with subgroup shuffles: one
 * invocation per row left a GPU mostly idle (BERT-base has 24,576 query rows a layer, an H100 270,336 invocation
 * slots) and held up to four head-sized vectors per invocation. The tiles the rows read are shared by the
 * workgroup. Vectors are held as vec4s (a head of D values is ceil(D/4) of them, zero past D), so each read of
 * workgroup memory feeds four multiply-adds.
 *
 * Layouts (flat, float32): Q, K and V rows at strides the uniforms give (qsb, qsh, qsr: a query row (b, h, r) starts
 * at b·qsb + h·qsh + r·qsr; ksb, ksh, ksr for key/value rows), so heads may sit [batch, heads, seq, D] or, as the
 * projections write them, [batch, seq, heads, D] without a transpose either way; the context, the gradients and
 * the packed forward output's context part are written at their input's strides. An optional additive Bias
 * read at b·bsb + h·bsh + row·bsq + key (strides 0 on broadcast axes: padding [B,1,1,KV], causal [B|1,1,S,KV]); an
 * optional dropout Seed (int32 [1]) whose mask is the one engine/ops/dropout.ts draws for probabilities of shape
 * [batch, heads, seq, kvSeq].
 */
import { DROPOUT_MULTIPLIER_WGSL } from './dropout-mask.ts';

/** What is baked into a kernel's source (its shader key says which): the rest are uniforms. */
export interface AttentionVariant {
  /** Head size. */
  d: number;
  /** Rows of the tile a workgroup owns. */
  rows: number;
  /**
   * Invocations per row, each holding ceil(D/4)/parts of its vec4s: a power of two dividing ceil(D/4), at most the
   * subgroup size (1 where the adapter has no subgroups). A workgroup is rows · parts invocations.
   */
  parts: number;
  /** Rows of the other side streamed through workgroup memory per step. */
  tile: number;
  bias: boolean;
  dropout: boolean;
  /**
   * Loops over a head's vec4s run to a constant (the compiler unrolls them and keeps the vectors in registers) or to
   * the `quads` uniform: lavapipe's compiler takes minutes over the unrolled kernels at head size 128.
   */
  unroll: boolean;
}

/** Custom uniforms shared by every attention kernel (attention.ts fills them in this order). */
export const ATTENTION_UNIFORMS = `seq : i32, kvSeq : i32, heads : i32, rep : i32, scale : f32,
  bsb : i32, bsh : i32, bsq : i32, call : u32, threshold : u32, keep : f32, quads : i32,
  qsb : i32, qsh : i32, qsr : i32, ksb : i32, ksh : i32, ksr : i32,`;

/** vec4s per head. */
const quads = (v: AttentionVariant) => Math.ceil(v.d / 4);
/** vec4s of a head one invocation holds (the `quads` uniform where loops do not unroll). */
export const ownQuads = (v: Pick<AttentionVariant, 'd' | 'parts'>) => Math.ceil(v.d / 4) / v.parts;
const bound = (v: AttentionVariant) => (v.unroll ? String(ownQuads(v)) : 'uniforms.quads');
/** A whole head's vec4s, for loops one invocation runs over a whole row. */
const allBound = (v: AttentionVariant) => (v.unroll ? String(quads(v)) : `(uniforms.quads * ${v.parts})`);
const threads = (v: AttentionVariant) => v.rows * v.parts;
/** Register vectors: this invocation's slice of a head; `c0 + c` is vec4 c's place in the head. */
const vec = (name: string, v: AttentionVariant) => `var ${name} : array<vec4<f32>, ${ownQuads(v)}>;`;
const shared = (name: string, n: number) => `var<workgroup> ${name} : array<vec4<f32>, ${n}>;`;

/** vec4 number `c` of the head-sized row starting at flat index `base` of `src` (zeros past D). */
function load4(v: AttentionVariant, src: string, base: string, c: string): string {
  const at = (i: number) => `${src}[${base} + 4 * ${c} + ${i}]`;
  if (v.d % 4 === 0) return `vec4<f32>(${at(0)}, ${at(1)}, ${at(2)}, ${at(3)})`;
  const part = (i: number) => `select(0.0, ${at(i)}, 4 * ${c} + ${i} < ${v.d})`;
  return `vec4<f32>(${part(0)}, ${part(1)}, ${part(2)}, ${part(3)})`;
}

/** Writes register vector `x` (times `factor`) as the head-sized row at flat index `base` of `result`. */
function store(v: AttentionVariant, base: string, x: string, factor: string): string {
  return `
      for (var c = 0; c < ${bound(v)}; c++) {
        let y = ${x}[c] * ${factor};
        for (var i = 0; i < 4; i++) {
          if (4 * (c0 + c) + i < ${v.d}) { result[${base} + 4 * (c0 + c) + i] = y[i]; }
        }
      }`;
}

/** Register vector `x` from the head-sized row at `base` of `src`: this invocation's slice. */
const loadOwn = (v: AttentionVariant, x: string, src: string, base: string) =>
  `${x}[c] = ${load4(v, src, base, '(c0 + c)')};`;

/** `rowSum(x)`: the sum of x over the row's `parts` invocations (consecutive lanes of one subgroup). */
function rowSumFn(v: AttentionVariant): string {
  const steps: string[] = [];
  for (let m = 1; m < v.parts; m *= 2) steps.push(`s += subgroupShuffleXor(s, ${m}u);`);
  return `
  fn rowSum(x : f32) -> f32 {
    var s = x;
    ${steps.join('\n    ')}
    return s;
  }`;
}

/**
 * `logit`: a product scaled plus the bias (the logits as the composed form computes them: the product times scale,
 * then the bias); `score`: that of query vector q against key j of the tile in `kt`; `dropMult`: the probability's
 * dropout multiplier.
 */
function helpers(v: AttentionVariant, keysInTile: boolean): string {
  const Q4 = quads(v);
  const score = keysInTile
    ? `
  fn score(qv : ptr<function, array<vec4<f32>, ${ownQuads(v)}>>, j : i32, b : i32, h : i32, r : i32, key : i32) -> f32 {
    var qk = 0.0;
    for (var c = 0; c < ${bound(v)}; c++) { qk += dot((*qv)[c], kt[j * ${Q4} + c0 + c]); }
    return logit(rowSum(qk), b, h, r, key);
  }`
    : '';
  const bias = 'Bias[b * uniforms.bsb + h * uniforms.bsh + r * uniforms.bsq + key]';
  const mask = `dropoutMultiplier(Seed[0], uniforms.call,
        ((b * uniforms.heads + h) * uniforms.seq + r) * uniforms.kvSeq + key, uniforms.threshold, uniforms.keep)`;
  return `
  ${v.parts > 1 ? 'enable subgroups;' : ''}
  ${v.dropout ? DROPOUT_MULTIPLIER_WGSL : ''}
  /** Where this invocation's slice of a head starts, in vec4s. */
  var<private> c0 : i32;
  ${rowSumFn(v)}
  fn qAt(b : i32, h : i32, r : i32) -> i32 { return b * uniforms.qsb + h * uniforms.qsh + r * uniforms.qsr; }
  fn kAt(b : i32, kh : i32, j : i32) -> i32 { return b * uniforms.ksb + kh * uniforms.ksh + j * uniforms.ksr; }
  fn logit(qk : f32, b : i32, h : i32, r : i32, key : i32) -> f32 {
    return qk * uniforms.scale${v.bias ? ` + ${bias}` : ''};
  }
  ${score}
  fn dropMult(b : i32, h : i32, r : i32, key : i32) -> f32 {
    return ${v.dropout ? mask : '1.0'};
  }`;
}

/**
 * Loads tile rows of D floats into tile memory `dst` (zeros past `limit`): row j of the tile starts at `rowAt(j)`
 * in `src`.
 */
function loadTile(
  v: AttentionVariant,
  dst: string,
  src: string,
  rowAt: (j: string) => string,
  limit: string,
): string {
  const Q4 = quads(v);
  return `
    for (var e = tid; e < ${v.tile * Q4}; e += ${threads(v)}) {
      let j = e / ${Q4};
      ${dst}[e] = select(vec4<f32>(0.0), ${load4(v, src, rowAt('j'), `(e % ${Q4})`)}, j < ${limit});
    }`;
}

/** Row j of the key/value tile from key j0: the workgroup's key/value head `kh`. */
const kvTileRow = (j: string) => `kAt(b, kh, j0 + ${j})`;

/** Row j of the query tile from query i0: query head `h`. */
const qTileRow = (j: string) => `qAt(b, h, i0 + ${j})`;

/** The workgroup's position and its row's indices, shared by the forward and dQ kernels. */
const QUERY_ROW = (v: AttentionVariant) => `
    let b = i32(workgroupId.z);
    let h = i32(workgroupId.y);
    let tid = i32(localId.x);
    let row = i32(workgroupId.x) * ${v.rows} + tid / ${v.parts};
    c0 = (tid % ${v.parts}) * ${ownQuads(v)};
    let S = uniforms.seq;
    let KV = uniforms.kvSeq;
    let r = min(row, S - 1);
    let qRow = (b * uniforms.heads + h) * S + r;
    let qBase = qAt(b, h, r);
    let kh = h / uniforms.rep;`;

/**
 * Forward: workgroup (query tile, head, batch), one query row per invocation. Writes the context rows at the front
 * of `result` and, with `lse`, each row's logsumexp after the batch·heads·seq·D context values.
 */
export function forwardSource(v: AttentionVariant, lse: boolean): string {
  const Q4 = quads(v);
  return `
  ${shared('kt', v.tile * Q4)}
  ${shared('vt', v.tile * Q4)}
  ${helpers(v, true)}
  fn main(index : i32) {
    ${QUERY_ROW(v)}
    ${vec('q', v)}
    ${vec('acc', v)}
    var s : array<f32, ${v.tile}>;
    for (var c = 0; c < ${bound(v)}; c++) { ${loadOwn(v, 'q', 'Q', 'qBase')} acc[c] = vec4<f32>(0.0); }
    var m = -3.0e38;
    var l = 0.0;
    for (var j0 = 0; j0 < KV; j0 += ${v.tile}) {
      workgroupBarrier();
      ${loadTile(v, 'kt', 'K', kvTileRow, 'KV - j0')}
      ${loadTile(v, 'vt', 'V', kvTileRow, 'KV - j0')}
      workgroupBarrier();
      let n = min(${v.tile}, KV - j0);
      var tmax = m;
      for (var j = 0; j < n; j++) {
        s[j] = score(&q, j, b, h, r, j0 + j);
        tmax = max(tmax, s[j]);
      }
      let corr = exp(m - tmax);
      l = l * corr;
      for (var c = 0; c < ${bound(v)}; c++) { acc[c] = acc[c] * corr; }
      for (var j = 0; j < n; j++) {
        let p = exp(s[j] - tmax);
        l = l + p;
        let pv = p * dropMult(b, h, r, j0 + j);
        for (var c = 0; c < ${bound(v)}; c++) { acc[c] = acc[c] + pv * vt[j * ${Q4} + c0 + c]; }
      }
      m = tmax;
    }
    if (row < S) {
      ${store(v, 'qBase', 'acc', '(1.0 / l)')}
      ${lse ? `if (c0 == 0) { result[uniforms.outShape - uniforms.heads * S * i32(numWorkgroups.z) + qRow] = m + log(l); }` : ''}
    }
  }`;
}

/** Where the forward's logsumexp of row qRow sits in the packed forward output F (context values first). */
const LSE_AT = (qRow: string) =>
  `F[uniforms.fShape - uniforms.heads * uniforms.seq * i32(numWorkgroups.z) + ${qRow}]`;

/**
 * Δ of the query row starting at `base` (in DY and F, which share Q's strides): dO · O, the softmax gradient's row
 * term. `own`: this invocation's slice, summed over the row's invocations; else the whole row by one invocation.
 */
const deltaOf = (v: AttentionVariant, base: string, own: boolean) => `
    var delta = 0.0;
    for (var c = 0; c < ${own ? bound(v) : allBound(v)}; c++) {
      let at = ${own ? 'c0 + c' : 'c'};
      delta += dot(${load4(v, 'DY', base, 'at')}, ${load4(v, 'F', base, 'at')});
    }
    ${own ? 'delta = rowSum(delta);' : ''}`;

/**
 * dQ: workgroup (query tile, head, batch), one query row per invocation, keys streamed. With P recomputed from the
 * logsumexp, dP̃ = dO·vᵀ, dP = dP̃ · mask and Δ = dO·O: dS = P (dP - Δ), dQ = scale · Σ dS k.
 */
export function gradQSource(v: AttentionVariant): string {
  const Q4 = quads(v);
  return `
  ${shared('kt', v.tile * Q4)}
  ${shared('vt', v.tile * Q4)}
  ${helpers(v, true)}
  fn main(index : i32) {
    ${QUERY_ROW(v)}
    ${vec('q', v)}
    ${vec('g', v)}
    ${vec('dq', v)}
    for (var c = 0; c < ${bound(v)}; c++) {
      ${loadOwn(v, 'q', 'Q', 'qBase')}
      ${loadOwn(v, 'g', 'DY', 'qBase')}
      dq[c] = vec4<f32>(0.0);
    }
    ${deltaOf(v, 'qBase', true)}
    let lse = ${LSE_AT('qRow')};
    for (var j0 = 0; j0 < KV; j0 += ${v.tile}) {
      workgroupBarrier();
      ${loadTile(v, 'kt', 'K', kvTileRow, 'KV - j0')}
      ${loadTile(v, 'vt', 'V', kvTileRow, 'KV - j0')}
      workgroupBarrier();
      let n = min(${v.tile}, KV - j0);
      for (var j = 0; j < n; j++) {
        let p = exp(score(&q, j, b, h, r, j0 + j) - lse);
        var dpt = 0.0;
        for (var c = 0; c < ${bound(v)}; c++) { dpt += dot(g[c], vt[j * ${Q4} + c0 + c]); }
        let ds = p * (rowSum(dpt) * dropMult(b, h, r, j0 + j) - delta);
        for (var c = 0; c < ${bound(v)}; c++) { dq[c] = dq[c] + ds * kt[j * ${Q4} + c0 + c]; }
      }
    }
    if (row < S) {
      ${store(v, 'qBase', 'dq', 'uniforms.scale')}
    }
  }`;
}

/**
 * dK and dV: workgroup (key tile, key/value head, batch), one key row per invocation; the rows of every query head
 * reading this key/value head (grouped-query attention) stream through. dV = Σ P̃ dO, dK = scale · Σ dS q. Writes
 * dK in the first half of `result`, dV in the second.
 */
export function gradKVSource(v: AttentionVariant): string {
  const Q4 = quads(v);
  return `
  ${shared('qt', v.tile * Q4)}
  ${shared('gt', v.tile * Q4)}
  var<workgroup> lt : array<f32, ${v.tile}>;
  var<workgroup> dt : array<f32, ${v.tile}>;
  ${helpers(v, false)}
  fn main(index : i32) {
    let b = i32(workgroupId.z);
    let kh = i32(workgroupId.y);
    let tid = i32(localId.x);
    let key = i32(workgroupId.x) * ${v.rows} + tid / ${v.parts};
    c0 = (tid % ${v.parts}) * ${ownQuads(v)};
    let S = uniforms.seq;
    let KV = uniforms.kvSeq;
    let kk = min(key, KV - 1);
    let kBase = kAt(b, kh, kk);
    ${vec('k', v)}
    ${vec('vv', v)}
    ${vec('dk', v)}
    ${vec('dv', v)}
    for (var c = 0; c < ${bound(v)}; c++) {
      ${loadOwn(v, 'k', 'K', 'kBase')}
      ${loadOwn(v, 'vv', 'V', 'kBase')}
      dk[c] = vec4<f32>(0.0);
      dv[c] = vec4<f32>(0.0);
    }
    for (var hh = 0; hh < uniforms.rep; hh++) {
      let h = kh * uniforms.rep + hh;
      let qRow0 = (b * uniforms.heads + h) * S;
      for (var i0 = 0; i0 < S; i0 += ${v.tile}) {
        workgroupBarrier();
        ${loadTile(v, 'qt', 'Q', qTileRow, 'S - i0')}
        ${loadTile(v, 'gt', 'DY', qTileRow, 'S - i0')}
        for (var e = tid; e < ${v.tile}; e += ${threads(v)}) {
          let qi = min(i0 + e, S - 1);
          ${deltaOf(v, 'qAt(b, h, qi)', false)}
          dt[e] = delta;
          lt[e] = ${LSE_AT('qRow0 + qi')};
        }
        workgroupBarrier();
        let n = min(${v.tile}, S - i0);
        for (var i = 0; i < n; i++) {
          var qk = 0.0;
          var dpt = 0.0;
          for (var c = 0; c < ${bound(v)}; c++) {
            qk += dot(qt[i * ${Q4} + c0 + c], k[c]);
            dpt += dot(gt[i * ${Q4} + c0 + c], vv[c]);
          }
          let p = exp(logit(rowSum(qk), b, h, i0 + i, kk) - lt[i]);
          let mult = dropMult(b, h, i0 + i, kk);
          let ds = p * (rowSum(dpt) * mult - dt[i]);
          for (var c = 0; c < ${bound(v)}; c++) {
            dv[c] = dv[c] + (p * mult) * gt[i * ${Q4} + c0 + c];
            dk[c] = dk[c] + ds * qt[i * ${Q4} + c0 + c];
          }
        }
      }
    }
    if (key < KV) {
      ${store(v, 'kBase', 'dk', 'uniforms.scale')}
      ${store(v, 'uniforms.outShape / 2 + kBase', 'dv', '1.0')}
    }
  }`;
}
