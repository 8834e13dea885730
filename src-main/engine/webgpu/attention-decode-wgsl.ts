/**
 * WGSL of the fused attention's decode kernel (attention.ts runs it): generation's step with a KV cache, one new
 * query row per sequence against every cached key. Layouts and uniforms as attention-wgsl.ts describes.
 */
import type { AttentionVariant } from './attention-wgsl.ts';

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
    var acc : array<f32, ${per}>;
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
