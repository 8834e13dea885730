/**
 * WGSL of the fused attention kernels (attention.ts runs them). Flash-attention style: a query row's scores are
 * never stored; keys and values stream through workgroup memory in tiles while each row keeps its running max and
 * sum (the softmax "online"), and the backward recomputes the probabilities from the forward's per-row logsumexp.
 * One invocation owns one row (a query row forward and for dQ, a key row for dK/dV) and keeps its vectors in
 * registers; the tiles it reads are shared by the workgroup.
 *
 * Layouts (flat, float32): Q [batch, heads, seq, D]; K, V [batch, kvHeads, kvSeq, D]; an optional additive Bias
 * read at b·bsb + h·bsh + row·bsq + key (strides 0 on broadcast axes: padding [B,1,1,KV], causal [B|1,1,S,KV]); an
 * optional dropout Seed (int32 [1]) whose mask is the one engine/ops/dropout.ts draws for probabilities of shape
 * [batch, heads, seq, kvSeq].
 */
import { DROPOUT_MULTIPLIER_WGSL } from './dropout-mask.ts';

/** What is baked into a kernel's source (its shader key says which): the rest are uniforms. */
export interface AttentionVariant {
  /** Head size. */
  d: number;
  /** Invocations per workgroup: rows of the tile a workgroup owns. */
  rows: number;
  /** Rows of the other side streamed through workgroup memory per step. */
  tile: number;
  bias: boolean;
  dropout: boolean;
}

/** Custom uniforms shared by every attention kernel (attention.ts fills them in this order). */
export const ATTENTION_UNIFORMS = `seq : i32, kvSeq : i32, heads : i32, rep : i32, scale : f32,
  bsb : i32, bsh : i32, bsq : i32, call : u32, threshold : u32, keep : f32,`;

const vec = (name: string, d: number) => `var ${name} : array<f32, ${d}>;`;

/**
 * `score(q, j, …)`: query vector q against key j of the tile in `kt`, scaled, plus the bias (logits as the composed
 * form computes them: the product times scale, then the bias); `dropMult`: the probability's dropout multiplier.
 */
function helpers(v: AttentionVariant, keysInTile: boolean): string {
  const score = keysInTile
    ? `
  fn score(qv : ptr<function, array<f32, ${v.d}>>, j : i32, b : i32, h : i32, r : i32, key : i32) -> f32 {
    var qk = 0.0;
    for (var d = 0; d < ${v.d}; d++) { qk += (*qv)[d] * kt[j * ${v.d} + d]; }
    return logit(qk, b, h, r, key);
  }`
    : '';
  return `
  ${v.dropout ? DROPOUT_MULTIPLIER_WGSL : ''}
  fn logit(qk : f32, b : i32, h : i32, r : i32, key : i32) -> f32 {
    ${v.bias ? 'return qk * uniforms.scale + Bias[b * uniforms.bsb + h * uniforms.bsh + r * uniforms.bsq + key];' : 'return qk * uniforms.scale;'}
  }
  ${score}
  fn dropMult(b : i32, h : i32, r : i32, key : i32) -> f32 {
    ${
      v.dropout
        ? `return dropoutMultiplier(Seed[0], uniforms.call, ((b * uniforms.heads + h) * uniforms.seq + r) * uniforms.kvSeq + key,
        uniforms.threshold, uniforms.keep);`
        : 'return 1.0;'
    }
  }`;
}

/** Loads `count` rows of D floats starting at flat row `first` of `src` into tile memory `dst` (zeros past `limit`). */
const loadTile = (v: AttentionVariant, dst: string, src: string, first: string, limit: string) => `
    for (var e = tid; e < ${v.tile * v.d}; e += ${v.rows}) {
      let j = e / ${v.d};
      ${dst}[e] = select(0.0, ${src}[(${first} + j) * ${v.d} + e % ${v.d}], j < ${limit});
    }`;

/**
 * Forward: workgroup (query tile, head, batch), one query row per invocation. Writes the context rows at the front
 * of `result` and, with `lse`, each row's logsumexp after the batch·heads·seq·D context values.
 */
export function forwardSource(v: AttentionVariant, lse: boolean): string {
  const D = v.d;
  return `
  var<workgroup> kt : array<f32, ${v.tile * D}>;
  var<workgroup> vt : array<f32, ${v.tile * D}>;
  ${helpers(v, true)}
  fn main(index : i32) {
    let b = i32(workgroupId.z);
    let h = i32(workgroupId.y);
    let tid = i32(localId.x);
    let row = i32(workgroupId.x) * ${v.rows} + tid;
    let S = uniforms.seq;
    let KV = uniforms.kvSeq;
    let r = min(row, S - 1);
    let qRow = (b * uniforms.heads + h) * S + r;
    let kvRow0 = (b * (uniforms.heads / uniforms.rep) + h / uniforms.rep) * KV;
    ${vec('q', D)}
    ${vec('acc', D)}
    ${vec('s', v.tile)}
    for (var d = 0; d < ${D}; d++) { q[d] = Q[qRow * ${D} + d]; acc[d] = 0.0; }
    var m = -3.0e38;
    var l = 0.0;
    for (var j0 = 0; j0 < KV; j0 += ${v.tile}) {
      workgroupBarrier();
      ${loadTile(v, 'kt', 'K', 'kvRow0 + j0', 'KV - j0')}
      ${loadTile(v, 'vt', 'V', 'kvRow0 + j0', 'KV - j0')}
      workgroupBarrier();
      let n = min(${v.tile}, KV - j0);
      var tmax = m;
      for (var j = 0; j < n; j++) {
        s[j] = score(&q, j, b, h, r, j0 + j);
        tmax = max(tmax, s[j]);
      }
      let corr = exp(m - tmax);
      l = l * corr;
      for (var d = 0; d < ${D}; d++) { acc[d] = acc[d] * corr; }
      for (var j = 0; j < n; j++) {
        let p = exp(s[j] - tmax);
        l = l + p;
        let pv = p * dropMult(b, h, r, j0 + j);
        for (var d = 0; d < ${D}; d++) { acc[d] = acc[d] + pv * vt[j * ${D} + d]; }
      }
      m = tmax;
    }
    if (row < S) {
      for (var d = 0; d < ${D}; d++) { result[qRow * ${D} + d] = acc[d] / l; }
      ${lse ? `result[uniforms.outShape - uniforms.heads * S * i32(numWorkgroups.z) + qRow] = m + log(l);` : ''}
    }
  }`;
}

/** Where the forward's logsumexp of row qRow sits in the packed forward output F (context values first). */
const LSE_AT = (qRow: string) =>
  `F[uniforms.fShape - uniforms.heads * uniforms.seq * i32(numWorkgroups.z) + ${qRow}]`;

/**
 * dQ: workgroup (query tile, head, batch), one query row per invocation, keys streamed. With P recomputed from the
 * logsumexp, dP̃ = dO·vᵀ, dP = dP̃ · mask and Δ = dO·O: dS = P (dP - Δ), dQ = scale · Σ dS k.
 */
export function gradQSource(v: AttentionVariant): string {
  const D = v.d;
  return `
  var<workgroup> kt : array<f32, ${v.tile * D}>;
  var<workgroup> vt : array<f32, ${v.tile * D}>;
  ${helpers(v, true)}
  fn main(index : i32) {
    let b = i32(workgroupId.z);
    let h = i32(workgroupId.y);
    let tid = i32(localId.x);
    let row = i32(workgroupId.x) * ${v.rows} + tid;
    let S = uniforms.seq;
    let KV = uniforms.kvSeq;
    let r = min(row, S - 1);
    let qRow = (b * uniforms.heads + h) * S + r;
    let kvRow0 = (b * (uniforms.heads / uniforms.rep) + h / uniforms.rep) * KV;
    ${vec('q', D)}
    ${vec('g', D)}
    ${vec('dq', D)}
    var delta = 0.0;
    for (var d = 0; d < ${D}; d++) {
      q[d] = Q[qRow * ${D} + d];
      g[d] = DY[qRow * ${D} + d];
      dq[d] = 0.0;
      delta += g[d] * F[qRow * ${D} + d];
    }
    let lse = ${LSE_AT('qRow')};
    for (var j0 = 0; j0 < KV; j0 += ${v.tile}) {
      workgroupBarrier();
      ${loadTile(v, 'kt', 'K', 'kvRow0 + j0', 'KV - j0')}
      ${loadTile(v, 'vt', 'V', 'kvRow0 + j0', 'KV - j0')}
      workgroupBarrier();
      let n = min(${v.tile}, KV - j0);
      for (var j = 0; j < n; j++) {
        let p = exp(score(&q, j, b, h, r, j0 + j) - lse);
        var dpt = 0.0;
        for (var d = 0; d < ${D}; d++) { dpt += g[d] * vt[j * ${D} + d]; }
        let ds = p * (dpt * dropMult(b, h, r, j0 + j) - delta);
        for (var d = 0; d < ${D}; d++) { dq[d] = dq[d] + ds * kt[j * ${D} + d]; }
      }
    }
    if (row < S) {
      for (var d = 0; d < ${D}; d++) { result[qRow * ${D} + d] = dq[d] * uniforms.scale; }
    }
  }`;
}

/**
 * dK and dV: workgroup (key tile, key/value head, batch), one key row per invocation; the rows of every query head
 * reading this key/value head (grouped-query attention) stream through. dV = Σ P̃ dO, dK = scale · Σ dS q. Writes
 * dK in the first half of `result`, dV in the second.
 */
export function gradKVSource(v: AttentionVariant): string {
  const D = v.d;
  return `
  var<workgroup> qt : array<f32, ${v.tile * D}>;
  var<workgroup> gt : array<f32, ${v.tile * D}>;
  var<workgroup> lt : array<f32, ${v.tile}>;
  var<workgroup> dt : array<f32, ${v.tile}>;
  ${helpers(v, false)}
  fn main(index : i32) {
    let b = i32(workgroupId.z);
    let kh = i32(workgroupId.y);
    let tid = i32(localId.x);
    let key = i32(workgroupId.x) * ${v.rows} + tid;
    let S = uniforms.seq;
    let KV = uniforms.kvSeq;
    let kk = min(key, KV - 1);
    let kvRow = (b * (uniforms.heads / uniforms.rep) + kh) * KV + kk;
    ${vec('k', D)}
    ${vec('vv', D)}
    ${vec('dk', D)}
    ${vec('dv', D)}
    for (var d = 0; d < ${D}; d++) {
      k[d] = K[kvRow * ${D} + d];
      vv[d] = V[kvRow * ${D} + d];
      dk[d] = 0.0;
      dv[d] = 0.0;
    }
    for (var hh = 0; hh < uniforms.rep; hh++) {
      let h = kh * uniforms.rep + hh;
      let qRow0 = (b * uniforms.heads + h) * S;
      for (var i0 = 0; i0 < S; i0 += ${v.tile}) {
        workgroupBarrier();
        ${loadTile(v, 'qt', 'Q', 'qRow0 + i0', 'S - i0')}
        ${loadTile(v, 'gt', 'DY', 'qRow0 + i0', 'S - i0')}
        for (var e = tid; e < ${v.tile}; e += ${v.rows}) {
          let qi = qRow0 + min(i0 + e, S - 1);
          var delta = 0.0;
          for (var d = 0; d < ${D}; d++) { delta += DY[qi * ${D} + d] * F[qi * ${D} + d]; }
          dt[e] = delta;
          lt[e] = ${LSE_AT('qi')};
        }
        workgroupBarrier();
        let n = min(${v.tile}, S - i0);
        for (var i = 0; i < n; i++) {
          var qk = 0.0;
          var dpt = 0.0;
          for (var d = 0; d < ${D}; d++) {
            qk += qt[i * ${D} + d] * k[d];
            dpt += gt[i * ${D} + d] * vv[d];
          }
          let p = exp(logit(qk, b, h, i0 + i, kk) - lt[i]);
          let mult = dropMult(b, h, i0 + i, kk);
          let ds = p * (dpt * mult - dt[i]);
          for (var d = 0; d < ${D}; d++) {
            dv[d] = dv[d] + p * mult * gt[i * ${D} + d];
            dk[d] = dk[d] + ds * qt[i * ${D} + d];
          }
        }
      }
    }
    if (key < KV) {
      let half = uniforms.outShape / 2;
      for (var d = 0; d < ${D}; d++) {
        result[kvRow * ${D} + d] = dk[d] * uniforms.scale;
        result[half + kvRow * ${D} + d] = dv[d];
      }
    }
  }`;
}

/** Threads of the decode kernel's workgroup and keys per step of it. */
export const DECODE_THREADS = 64;
export const DECODE_KEYS = 256;

/**
 * Decode: one query row per (head, batch) against every cached key (generation with a KV cache). The workgroup's
 * threads split the keys for the scores and the head's dimensions for the weighted sum of values; the softmax runs
 * online over steps of DECODE_KEYS keys. No logsumexp, no dropout: inference only.
 */
export function decodeSource(v: Pick<AttentionVariant, 'd' | 'bias'>): string {
  const D = v.d;
  const T = DECODE_THREADS;
  const per = Math.ceil(D / T);
  return `
  var<workgroup> qs : array<f32, ${D}>;
  var<workgroup> sc : array<f32, ${DECODE_KEYS}>;
  var<workgroup> red : array<f32, ${T}>;
  fn reduce(x : f32, tid : i32, isMax : bool) -> f32 {
    red[tid] = x;
    workgroupBarrier();
    for (var s = ${T / 2}; s > 0; s = s >> 1u) {
      if (tid < s) {
        red[tid] = select(red[tid] + red[tid + s], max(red[tid], red[tid + s]), isMax);
      }
      workgroupBarrier();
    }
    let total = red[0];
    workgroupBarrier();
    return total;
  }
  fn main(index : i32) {
    let h = i32(workgroupId.x);
    let b = i32(workgroupId.y);
    let tid = i32(localId.x);
    let KV = uniforms.kvSeq;
    let qRow = b * uniforms.heads + h;
    let kvRow0 = (b * (uniforms.heads / uniforms.rep) + h / uniforms.rep) * KV;
    for (var d = tid; d < ${D}; d += ${T}) { qs[d] = Q[qRow * ${D} + d]; }
    ${vec('acc', per)}
    for (var c = 0; c < ${per}; c++) { acc[c] = 0.0; }
    var m = -3.0e38;
    var l = 0.0;
    for (var j0 = 0; j0 < KV; j0 += ${DECODE_KEYS}) {
      workgroupBarrier();
      let n = min(${DECODE_KEYS}, KV - j0);
      var localMax = -3.0e38;
      for (var j = tid; j < n; j += ${T}) {
        var qk = 0.0;
        for (var d = 0; d < ${D}; d++) { qk += qs[d] * K[(kvRow0 + j0 + j) * ${D} + d]; }
        var s = qk * uniforms.scale;
        ${v.bias ? 's = s + Bias[b * uniforms.bsb + h * uniforms.bsh + j0 + j];' : ''}
        sc[j] = s;
        localMax = max(localMax, s);
      }
      let tmax = max(m, reduce(localMax, tid, true));
      let corr = exp(m - tmax);
      var localSum = 0.0;
      for (var j = tid; j < n; j += ${T}) {
        let p = exp(sc[j] - tmax);
        sc[j] = p;
        localSum += p;
      }
      l = l * corr + reduce(localSum, tid, false);
      for (var c = 0; c < ${per}; c++) {
        let d = tid + c * ${T};
        var a = acc[c] * corr;
        if (d < ${D}) {
          for (var j = 0; j < n; j++) { a += sc[j] * V[(kvRow0 + j0 + j) * ${D} + d]; }
        }
        acc[c] = a;
      }
      m = tmax;
    }
    for (var c = 0; c < ${per}; c++) {
      let d = tid + c * ${T};
      if (d < ${D}) { result[qRow * ${D} + d] = acc[c] / l; }
    }
  }`;
}
