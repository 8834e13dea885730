/**
 * Mixed-precision products on this GPU (engine/webgpu/mixed-precision.ts): which program each shape takes (the
 * tiled one, or the matrix units' when the adapter offers f16 subgroup matrices), how far its values are from
 * tf.js's f32 product, and the TFLOP/s of both on BERT's and a 4096³ shape (GPU time of 20 products, each timed
 * to its read-back), then each subgroup-matrix tiling's and the best one (STUDIO_MATRIX_TILING takes it).
 * `node .gpu/mixed-products.mjs` on the device; `--tiny` for lavapipe-sized shapes, `--no-sweep` without tilings.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/backends.ts';
import { webgpuBackend } from '../../src-main/engine/webgpu/backend-internals.ts';
import { timedProduct } from './product-timing.ts';
import { mixedCapabilities } from '../../src-main/engine/webgpu/gpu-features.ts';
import { setMatrixTiling } from '../../src-main/engine/webgpu/mixed-matmul.ts';
import type { MatrixTiling } from '../../src-main/engine/webgpu/mixed-matmul.ts';
import {
  lastMixedVariant,
  mixedPrecisionUnavailable,
  mixedProductCount,
  setMixedPrecision,
} from '../../src-main/engine/webgpu/mixed-precision.ts';

const args = process.argv.slice(2);
const tiny = args.includes('--tiny');
const SHAPES: [number, number, number, boolean, boolean][] = tiny
  ? [
      [128, 64, 64, false, false],
      [70, 50, 33, false, true],
    ]
  : [
      [2048, 768, 768, false, false],
      [2048, 3072, 768, false, false],
      [2048, 768, 3072, false, false],
      [768, 768, 2048, true, false],
      [2048, 768, 768, false, true],
      [4096, 4096, 4096, false, false],
      [2000, 770, 768, false, false],
    ];

async function main(): Promise<void> {
  await initBackend('webgpu');
  const why = mixedPrecisionUnavailable();
  const b = webgpuBackend();
  const caps = mixedCapabilities((b?.device ?? null) as { features: Set<string> } | null);
  console.error(
    `f16: ${caps.f16}, matrix units: ${JSON.stringify(caps.matrix ?? null)}${why ? ` (${why})` : ''}`,
  );
  const rows: Record<string, unknown>[] = [];
  for (const [m, n, k, tA, tB] of SHAPES) {
    const a = tf.randomUniform(tA ? [k, m] : [m, k], -1, 1, 'float32', 1);
    const w = tf.randomUniform(tB ? [n, k] : [k, n], -1, 1, 'float32', 2);
    const f = () => tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D, tA, tB);
    const reps = m * n * k > 1e10 ? 20 : 50;
    const fp32 = await timedProduct(f, reps);
    const failed = (e: unknown) => `${String(e instanceof Error ? e.message : e).slice(0, 200)}`;
    const ref = f();
    let row: Record<string, unknown> = {
      shape: `${m}x${n}x${k}${tA ? ' tA' : ''}${tB ? ' tB' : ''}`,
      fp32Ms: fp32,
    };
    if (!why) {
      setMixedPrecision(true);
      let mixed: number;
      try {
        mixed = await timedProduct(f, reps);
      } catch (e) {
        console.error(`${m}x${n}x${k}: mixed failed: ${failed(e)}`);
        setMixedPrecision(false);
        rows.push({ ...row, mixedError: failed(e) });
        tf.dispose([a, w, ref]);
        continue;
      }
      const y = f();
      const err = tf.tidy(() => y.sub(ref).abs().max().div(ref.abs().max()));
      const counted = mixedProductCount();
      row = {
        ...row,
        mixedMs: mixed,
        relErr: (await err.data())[0],
        variant: lastMixedVariant(),
        mixedProducts: counted,
      };
      setMixedPrecision(false);
      tf.dispose([y, err]);
    }
    const flops = 2 * m * n * k;
    const tflops = (ms: unknown) => (typeof ms === 'number' ? (flops / (ms * 1e9)).toFixed(1) : '-');
    console.error(
      `${String(row.shape).padEnd(22)} fp32 ${tflops(row.fp32Ms)} TFLOP/s  mixed ${tflops(row.mixedMs)} TFLOP/s  ` +
        `rel err ${row.relErr ?? '-'}  ${row.variant ?? ''}`,
    );
    rows.push(row);
    tf.dispose([a, w, ref]);
  }
  // With matrix units: the same products under each subgroup-matrix tiling, to pick the default from.
  const p = { pad: 8, prefetch: true };
  const tilings: MatrixTiling[] =
    caps.matrix && !args.includes('--no-sweep')
      ? [
          { wm: 2, wn: 2, tm: 2, tn: 2, bk: 32, ...p },
          { wm: 2, wn: 2, tm: 2, tn: 2, bk: 32, pad: 16, prefetch: true },
          { wm: 2, wn: 2, tm: 2, tn: 2, bk: 16, ...p },
          { wm: 2, wn: 2, tm: 2, tn: 2, bk: 32, pad: 8, prefetch: false },
          { wm: 4, wn: 4, tm: 1, tn: 1, bk: 32, ...p },
          { wm: 2, wn: 4, tm: 2, tn: 1, bk: 32, ...p },
          { wm: 4, wn: 2, tm: 1, tn: 2, bk: 32, ...p },
          { wm: 2, wn: 2, tm: 2, tn: 1, bk: 32, ...p },
          { wm: 1, wn: 2, tm: 4, tn: 2, bk: 32, ...p },
        ]
      : [];
  const sweep = await sweepTilings(tilings);
  console.log(
    JSON.stringify({
      f16: caps.f16,
      matrix: caps.matrix ?? null,
      rows,
      sweep: sweep.rows,
      best: sweep.best,
    }),
  );
}

/**
 * Each tiling's time and error (against tf.js's f32 product: a wrong tiling shows here, not only in its speed) on
 * the shapes, and the one with the least total time among those whose every product was within f16 rounding.
 */
async function sweepTilings(
  tilings: MatrixTiling[],
): Promise<{ rows: Record<string, unknown>[]; best: string | null }> {
  const rows: Record<string, unknown>[] = [];
  for (const t of tilings) {
    const line: string[] = [];
    for (const [m, n, k, tA, tB] of SHAPES) {
      const a = tf.randomUniform(tA ? [k, m] : [m, k], -1, 1, 'float32', 1);
      const w = tf.randomUniform(tB ? [n, k] : [k, n], -1, 1, 'float32', 2);
      const f = () => tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D, tA, tB);
      const ref = f();
      const old = setMatrixTiling(t);
      setMixedPrecision(true);
      try {
        const ms = await timedProduct(f, m * n * k > 1e10 ? 20 : 50);
        const y = f();
        const err = (await tf.tidy(() => y.sub(ref).abs().max().div(ref.abs().max())).data())[0] ?? NaN;
        const tflops = (2 * m * n * k) / (ms * 1e9);
        line.push(`${m}x${n}x${k} ${tflops.toFixed(1)} (err ${err.toExponential(1)})`);
        rows.push({ tiling: t, shape: `${m}x${n}x${k}`, ms, relErr: err, variant: lastMixedVariant() });
        y.dispose();
      } catch (e) {
        line.push(`${m}x${n}x${k} failed`);
        rows.push({ tiling: t, shape: `${m}x${n}x${k}`, error: String(e).slice(0, 200) });
      }
      setMixedPrecision(false);
      setMatrixTiling(old);
      tf.dispose([a, w, ref]);
    }
    console.error(`tiling ${JSON.stringify(t)}: ${line.join(' | ')}`);
  }
  const total = new Map<string, number>();
  for (const r of rows) {
    const key = JSON.stringify(r.tiling);
    const bad = typeof r.ms !== 'number' || !((r.relErr as number) < 2e-3);
    total.set(key, bad || total.get(key) === Infinity ? Infinity : (total.get(key) ?? 0) + (r.ms as number));
  }
  const best = [...total].filter(([, ms]) => ms < Infinity).sort((x, y) => x[1] - y[1])[0];
  if (best) console.error(`best tiling ${best[0]} (${best[1].toFixed(2)} ms over the shapes)`);
  return { rows, best: best?.[0] ?? null };
}

void main();
