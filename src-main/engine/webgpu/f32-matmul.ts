/**
 * Full-precision matrix products on webgpu in a register-tiled program (issue #20's fp32 targets). tf.js's f32
 * program gives each invocation a 4x4 block of a 32x32 tile, so it reads two shared-memory values for every two
 * multiply-adds; on an H100 its products ran at about a third of the f32 peak and took 32 of a 57 ms BERT-base LoRA
 * step (test/bench/RESULTS.md). Here a workgroup computes a bm x bn tile, each invocation a tm x tn block held in
 * registers as vec4s, so a k step costs (tm + tn) / 4 vec4 reads for tm·tn multiply-adds; the next k slice is read
 * from memory into registers while the current one is multiplied. Operands are staged in whichever layout they have
 * (consecutive invocations read consecutive addresses), so a transposed operand costs no transpose dispatch. Sums run
 * in a fixed order: the same bits every run. Bias and activation are applied as the output is written, as in
 * mixed-matmul.ts, whose epilogue and operand indexing this program shares.
 *
 * Off unless STUDIO_F32_MATMUL=1 (or setF32Products): it has been tested for exactness on lavapipe but not yet
 * timed against tf.js's program on a GPU (test/bench/GPU-RUNS.md says how; test/bench/f32-products.ts sweeps tilings).
 */
import type { WebGpuProgram } from './backend-internals.ts';
import { DIMS, EPILOGUE, operandIndex, productInterface } from './mixed-matmul.ts';
import type { MixedActivation, MixedMatMulSpec } from './mixed-matmul.ts';

/** A workgroup's bm x bn output tile, each invocation's tm x tn block, and the k slice staged at a time. */
export interface F32Tiling {
  bm: number;
  bn: number;
  tm: number;
  tn: number;
  bk: number;
}

/** The workgroup memory every WebGPU device offers (maxComputeWorkgroupStorageSize's default). */
const WORKGROUP_BYTES = 16384;

/** Why a tiling cannot be generated, or null: blocks of whole vec4s, 32 to 256 invocations, even staging. */
export function f32TilingProblem(t: F32Tiling): string | null {
  const { bm, bn, tm, tn, bk } = t;
  if (![bm, bn, tm, tn, bk].every((v) => Number.isInteger(v) && v > 0))
    return 'every size must be a positive integer';
  if (tm % 4 !== 0 || tn % 4 !== 0) return 'tm and tn must be multiples of 4 (blocks of vec4s)';
  if (bm % tm !== 0 || bn % tn !== 0) return 'bm must be a multiple of tm and bn of tn';
  const threads = (bm / tm) * (bn / tn);
  if (threads < 32 || threads > 256) return `(bm/tm)·(bn/tn) = ${threads} invocations: 32 to 256 expected`;
  if ((bm * bk) % threads !== 0 || (bn * bk) % threads !== 0)
    return 'bm·bk and bn·bk must be multiples of the invocation count';
  // WebGPU's guaranteed workgroup memory, with both operands' rows padded by a vec4.
  const bytes = bk * (bm + 4 + bn + 4) * 4;
  if (bytes > WORKGROUP_BYTES) return `${bytes} bytes of workgroup memory: at most ${WORKGROUP_BYTES}`;
  return null;
}

/** 128 x 64 tiles, 8 x 4 per invocation (256 invocations), k staged 16 at a time. */
export const DEFAULT_F32_TILING: F32Tiling = { bm: 128, bn: 64, tm: 8, tn: 4, bk: 16 };
/**
 * For products with few output tiles (a [768, 768] weight gradient is 72 tiles of 128 x 64, fewer than an H100 has
 * compute units): 64 x 64 tiles, four times as many workgroups.
 */
export const SMALL_F32_TILING: F32Tiling = { bm: 64, bn: 64, tm: 4, tn: 4, bk: 16 };
/** Below this many tiles of the default tiling a product takes the small one. */
const MIN_TILES = 256;
let forced: F32Tiling | null = null;

/**
 * Makes every program from now on use `t` (benches compare tilings), or null to choose by shape again; returns the
 * one it replaces.
 */
export function setF32Tiling(t: F32Tiling | null): F32Tiling | null {
  const problem = t && f32TilingProblem(t);
  if (problem) throw new Error(`f32 product tiling ${JSON.stringify(t)}: ${problem}`);
  const old = forced;
  forced = t;
  return old;
}

/** The tiling for an m x n output (times batch): the default, or the small one where it gives few tiles. */
export function f32TilingFor(m: number, n: number, batch: number): F32Tiling {
  if (forced) return forced;
  const t = DEFAULT_F32_TILING;
  return Math.ceil(m / t.bm) * Math.ceil(n / t.bn) * batch < MIN_TILES ? SMALL_F32_TILING : t;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * One operand's staging code: `per` elements per invocation read from memory into registers (`load`), then stored
 * to its workgroup array (`store`), and the registers' declarations. A k-major operand ([K, outer] in memory) is
 * read along its outer side, else along k: either way consecutive invocations read consecutive addresses. Shared
 * rows run along the outer side, `stride` floats apart.
 */
function staging(o: {
  name: 'A' | 'B';
  kMajor: boolean;
  outerSize: number;
  bk: number;
  per: number;
  threads: number;
  stride: number;
  /** The outer coordinate's name, its base, its bound, and the inner one's name, as operandIndex reads them. */
  outer: [string, string, string];
  inner: string;
  index: string;
}): { declare: string; load: string; store: string } {
  const reg = `r${o.name.toLowerCase()}`;
  const at = (e: number) => {
    const l = `(${e} * ${o.threads} + t)`;
    return o.kMajor
      ? { inner: `${l} / ${o.outerSize}`, outer: `${l} % ${o.outerSize}` }
      : { inner: `${l} % ${o.bk}`, outer: `${l} / ${o.bk}` };
  };
  const [outerName, base, bound] = o.outer;
  const each = (f: (e: number) => string) => range(o.per).map(f).join('\n      ');
  return {
    declare: range(o.per)
      .map((e) => `var ${reg}${e} = 0.0;`)
      .join(' '),
    load: each((e) => {
      const p = at(e);
      return `{ let ${outerName} = ${base} + ${p.outer}; let ${o.inner} = k0 + ${p.inner};
        ${reg}${e} = select(0.0, f32(${o.name}[${o.index}]), ${outerName} < ${bound} && ${o.inner} < K); }`;
    }),
    store: each((e) => {
      const p = at(e);
      return `{ let i = (${p.inner}) * ${o.stride} + ${p.outer}; ${o.name}s[i / 4][i % 4] = ${reg}${e}; }`;
    }),
  };
}

function f32Code(s: MixedMatMulSpec, t: F32Tiling): string {
  const { bm, bn, tm, tn, bk } = t;
  const threads = (bm / tm) * (bn / tn);
  const perA = (bm * bk) / threads;
  const perB = (bn * bk) / threads;
  const idx = operandIndex(s);
  // A is k-major when transposed ([K, M]), B when not ([K, N]). Shared rows run along the outer side; a row is
  // padded by one vec4 where the stores walk down k, so consecutive invocations do not all hit one bank.
  const aKMajor = s.transposeA;
  const bKMajor = !s.transposeB;
  const strideA = aKMajor ? bm : bm + 4;
  const strideB = bKMajor ? bn : bn + 4;
  const common = { bk, threads };
  const a = staging({
    ...common,
    name: 'A',
    kMajor: aKMajor,
    outerSize: bm,
    per: perA,
    stride: strideA,
    outer: ['row', 'row0', 'M'],
    inner: 'kk',
    index: idx.a,
  });
  const b = staging({
    ...common,
    name: 'B',
    kMajor: bKMajor,
    outerSize: bn,
    per: perB,
    stride: strideB,
    outer: ['col', 'col0', 'N'],
    inner: 'kb',
    index: idx.b,
  });
  const vm = tm / 4;
  const vn = tn / 4;
  // One k step, unrolled so every accumulator is a register with a constant name.
  const step = [
    ...range(vm).map((i) => `let a${i} = As[q * ${strideA / 4} + ty * ${vm} + ${i}];`),
    ...range(vn).map((j) => `let b${j} = Bs[q * ${strideB / 4} + tx * ${vn} + ${j}];`),
    ...range(tm).flatMap((i) =>
      range(vn).map(
        (j) => `acc${i}_${j} = fma(vec4<f32>(a${Math.floor(i / 4)}[${i % 4}]), b${j}, acc${i}_${j});`,
      ),
    ),
  ].join('\n        ');
  const write = range(tm)
    .flatMap((i) =>
      range(vn).map(
        (j) => `for (var c = 0; c < 4; c = c + 1) {
      let row = row0 + ty * ${tm} + ${i}; let col = col0 + tx * ${tn} + ${j * 4} + c;
      if (row < M && col < N) {
        var value = acc${i}_${j}[c];${EPILOGUE(s)}
      }
    }`,
      ),
    )
    .join('\n    ');
  return `
  var<workgroup> As : array<vec4<f32>, ${(bk * strideA) / 4}>;
  var<workgroup> Bs : array<vec4<f32>, ${(bk * strideB) / 4}>;
  fn main() {
    ${DIMS}
    let t = i32(localIndex);
    let row0 = i32(workgroupId.y) * ${bm};
    let col0 = i32(workgroupId.x) * ${bn};
    let tx = t % ${bn / tn};
    let ty = t / ${bn / tn};
    ${range(tm)
      .flatMap((i) => range(vn).map((j) => `var acc${i}_${j} = vec4<f32>(0.0);`))
      .join(' ')}
    ${a.declare}
    ${b.declare}
    var k0 = 0;
    if (k0 < K) {
      ${a.load}
      ${b.load}
    }
    loop {
      if (k0 >= K) { break; }
      ${a.store}
      ${b.store}
      workgroupBarrier();
      k0 = k0 + ${bk};
      // The next slice's loads are in flight while this one is multiplied.
      if (k0 < K) {
      ${a.load}
      ${b.load}
      }
      for (var q = 0; q < ${bk}; q = q + 1) {
        ${step}
      }
      workgroupBarrier();
    }
    ${write}
  }`;
}

/** The product as a tf.js program: output [batch, m, n], inputs A, B (3-D) and the epilogue's. */
export class F32MatMulProgram implements WebGpuProgram {
  readonly outputShape: number[];
  /** Not flat, so tf.js calls main() without an index; the program places itself by workgroup id. */
  readonly dispatchLayout = { x: [] as number[], y: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number];
  readonly variableNames: string[];
  readonly shaderKey: string;
  readonly name = 'f32-matmul';
  readonly uniforms: string;
  /** Read by matmul-activation.ts's rewrite, as on tf.js's own matmul programs. */
  readonly activation: MixedActivation | null;
  readonly variant = 'f32-tiled';
  private readonly tiling: F32Tiling;
  private readonly activationFn: string;

  constructor(
    private readonly spec: MixedMatMulSpec,
    hasPrelu: boolean,
  ) {
    const t = f32TilingFor(spec.m, spec.n, spec.batch);
    this.tiling = t;
    this.outputShape = spec.outShape;
    this.activation = spec.activation;
    const declared = productInterface(spec, hasPrelu);
    this.variableNames = declared.variableNames;
    this.uniforms = declared.uniforms;
    this.activationFn = declared.activationFn;
    this.workgroupSize = [(t.bm / t.tm) * (t.bn / t.tn), 1, 1];
    this.dispatch = [Math.ceil(spec.n / t.bn), Math.ceil(spec.m / t.bm), spec.batch];
    this.shaderKey = `studio_f32_matmul_${t.bm}_${t.bn}_${t.tm}_${t.tn}_${t.bk}_${+spec.transposeA}${+spec.transposeB}_${+spec.hasBias}_${spec.activation ?? 'none'}_${+hasPrelu}`;
  }

  getUserCode(): string {
    return `${this.activationFn}\n${f32Code(this.spec, this.tiling)}`;
  }
}
