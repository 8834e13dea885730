/**
 * Full-precision products on this GPU: tf.js's f32 program against the studio's register-tiled one
 * (engine/webgpu/f32-matmul.ts) under several tilings, on BERT-base's shapes (the forward products, dx = dy·Wᵀ
 * with W read transposed, dW = xᵀ·dy) and a 4096³ one: TFLOP/s of each (GPU time of 20-50 products, each timed to
 * its read-back), the largest difference from tf.js's values relative to their largest, and the tiling with the
 * least total time among those within f32 rounding (the default in f32-matmul.ts is picked from this).
 * `node .gpu/f32-products.mjs` on the device (test/bench/GPU-RUNS.md); `--tiny` for lavapipe-sized shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/backends.ts';
import { timedProduct } from './product-timing.ts';
import {
  DEFAULT_F32_TILING,
  SMALL_F32_TILING,
  setF32Tiling,
} from '../../src-main/engine/webgpu/f32-matmul.ts';
import type { F32Tiling } from '../../src-main/engine/webgpu/f32-matmul.ts';
import { lastMixedVariant, setF32Products } from '../../src-main/engine/webgpu/mixed-precision.ts';

const args = process.argv.slice(2);
const tiny = args.includes('--tiny');
/** m, n, k, transposeA, transposeB. */
const SHAPES: [number, number, number, boolean, boolean][] = tiny
  ? [
      [256, 192, 192, false, false],
      [256, 192, 192, false, true],
    ]
  : [
      [2048, 768, 768, false, false],
      [2048, 3072, 768, false, false],
      [2048, 768, 3072, false, false],
      [2048, 768, 768, false, true],
      [2048, 768, 3072, false, true],
      [768, 768, 2048, true, false],
      [4096, 4096, 4096, false, false],
    ];

/** null: each product's tiling chosen by shape, as in training (f32-matmul.ts f32TilingFor). */
const TILINGS: (F32Tiling | null)[] = [
  null,
  DEFAULT_F32_TILING,
  SMALL_F32_TILING,
  { bm: 64, bn: 64, tm: 8, tn: 4, bk: 16 },
  { bm: 128, bn: 64, tm: 8, tn: 4, bk: 8 },
  { bm: 64, bn: 128, tm: 4, tn: 8, bk: 16 },
  { bm: 128, bn: 128, tm: 8, tn: 8, bk: 8 },
  { bm: 32, bn: 64, tm: 4, tn: 4, bk: 32 },
];

async function main(): Promise<void> {
  await initBackend('webgpu');
  const rows: Record<string, unknown>[] = [];
  const total = new Map<string, number>();
  for (const [m, n, k, tA, tB] of SHAPES) {
    const shape = `${m}x${n}x${k}${tA ? ' tA' : ''}${tB ? ' tB' : ''}`;
    const a = tf.randomUniform(tA ? [k, m] : [m, k], -1, 1, 'float32', 1);
    const w = tf.randomUniform(tB ? [n, k] : [k, n], -1, 1, 'float32', 2);
    const f = () => tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D, tA, tB);
    const reps = m * n * k > 1e10 ? 20 : 50;
    const tflops = (ms: number) => (2 * m * n * k) / (ms * 1e9);
    const ref = f();
    const tfjsMs = await timedProduct(f, reps);
    const line = [`${shape.padEnd(20)} tf.js ${tflops(tfjsMs).toPrecision(3)}`];
    rows.push({ shape, program: 'tfjs', ms: tfjsMs, tflops: tflops(tfjsMs) });
    for (const t of TILINGS) {
      const key = JSON.stringify(t);
      setF32Tiling(t);
      setF32Products(true);
      try {
        const ms = await timedProduct(f, reps);
        const y = f();
        const relErr = (await tf.tidy(() => y.sub(ref).abs().max().div(ref.abs().max())).data())[0] ?? NaN;
        y.dispose();
        if (lastMixedVariant() !== 'f32-tiled') throw new Error(`ran ${lastMixedVariant()}`);
        rows.push({ shape, program: 'f32-tiled', tiling: t, ms, tflops: tflops(ms), relErr });
        line.push(
          `${t ? `${t.bm}x${t.bn}/${t.tm}x${t.tn}/${t.bk}` : 'by shape'} ${tflops(ms).toPrecision(3)}`,
        );
        const ok = relErr < 1e-5;
        total.set(key, ok && total.get(key) !== Infinity ? (total.get(key) ?? 0) + ms : Infinity);
      } catch (e) {
        rows.push({ shape, tiling: t, error: String(e).slice(0, 200) });
        total.set(key, Infinity);
      }
      setF32Products(false);
    }
    setF32Tiling(null);
    console.error(`${line.join('  ')} TFLOP/s`);
    tf.dispose([a, w, ref]);
  }
  const tfjsTotal = rows.filter((r) => r.program === 'tfjs').reduce((s, r) => s + (r.ms as number), 0);
  const best = [...total].filter(([, ms]) => ms < Infinity).sort((x, y) => x[1] - y[1])[0];
  if (best)
    console.error(
      `best tiling ${best[0]}: ${best[1].toFixed(2)} ms over the shapes, tf.js ${tfjsTotal.toFixed(2)} ms`,
    );
  console.log(
    JSON.stringify({ rows, tfjsMs: tfjsTotal, best: best?.[0] ?? null, bestMs: best?.[1] ?? null }),
  );
}

void main();
