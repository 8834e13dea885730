/**
 * A quick check that the chosen backend runs real work: fp32 matmul throughput at a few sizes, and that the result
 * matches the cpu backend. Run on the GPU machine with STUDIO_BACKEND=webgpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/backends.ts';

const report = await initBackend();
const rows: { n: number; ms: number; gflops: number }[] = [];
const gpu = report.backend === 'webgpu' || report.backend === 'tfjs-node-gpu';
for (const n of gpu ? [512, 1024, 2048, 4096] : [256, 512, 1024]) {
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  const warm = tf.matMul(a, b);
  await warm.data();
  warm.dispose();
  const reps = gpu ? 20 : 3;
  const t0 = performance.now();
  let last: tf.Tensor | null = null;
  for (let i = 0; i < reps; i++) {
    last?.dispose();
    last = tf.matMul(a, b);
  }
  await last?.data();
  const ms = (performance.now() - t0) / reps;
  last?.dispose();
  tf.dispose([a, b]);
  rows.push({ n, ms, gflops: (2 * n ** 3) / (ms * 1e6) });
}
const x = tf.randomNormal([64, 96], 0, 1, 'float32', 7);
const y = tf.randomNormal([96, 32], 0, 1, 'float32', 8);
const onBackend = await tf.matMul(x, y).data();
const xs = await x.data();
const ys = await y.data();
await tf.setBackend('cpu');
const onCpu = await tf.matMul(tf.tensor(xs, [64, 96]), tf.tensor(ys, [96, 32])).data();
let maxDiff = 0;
for (let i = 0; i < onCpu.length; i++)
  maxDiff = Math.max(maxDiff, Math.abs((onCpu[i] ?? 0) - (onBackend[i] ?? 0)));
console.log(
  JSON.stringify({ backend: report.backend, device: report.device, matmul: rows, maxDiffVsCpu: maxDiff }),
);
process.exit(0);
