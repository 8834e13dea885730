/**
 * Kernels and time of one mixed serving batch (32 rows) on the default model with 1, 8 and 32 distinct LoRA
 * adapters (bench-serve's: r 8 on the default targets, heads of two labels), gathered products, from the model's
 * bank (serving/bank.ts) and from the batch's own stacks. On a GPU a batch's time is close to its kernel count,
 * which is why the bank exists (issue #16, docs/SERVING.md).
 * `STUDIO_BACKEND=webgpu node bin/run-ts.mjs test/bench/serve-kernels.ts [--reps N]`
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/backends.ts';
import { makeBenchAdapters } from '../../src-main/serving/bench-adapters.ts';
import { forwardRows } from '../../src-main/serving/batch-forward.ts';
import type { ServeRow } from '../../src-main/serving/batch-forward.ts';
import { LoadedModel, LoadedModels } from '../../src-main/serving/loaded.ts';
import { tempDir } from '../helpers/temp.ts';

const args = process.argv.slice(2);
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 5;
const BATCH = 32;
const report = await initBackend(process.env.STUDIO_BACKEND);
const tmp = tempDir('serve-kernels-');
const names = await makeBenchAdapters('default', tmp.dir, BATCH);
const models = new LoadedModels();
const base = models.get('default');
// The bank whatever the backend (wasm's LoadedModel builds none): this measures the gathered path.
const entry = new LoadedModel('default', base.model, base.tok, base.baseClassifies, { bank: true });
const t0 = performance.now();
const loaded = names.map((key) => entry.adapter({ key, dir: `${tmp.dir}/${key}` }, 128).loaded);
const loadAll = performance.now() - t0;
const texts = Array.from(
  { length: BATCH },
  (_, i) => `message number ${i}: win a free prize now, reply ${i}`,
);

const rowsOf = (distinct: number): ServeRow[] =>
  texts.map((text, i) => {
    const a = loaded[i % distinct]!;
    const enc = entry.tok.encode(text, { maxLength: 512 });
    return { key: a.key, parts: a.instance.rowwise!, ids: enc.ids, typeIds: enc.typeIds };
  });

async function measure(distinct: number, bank: boolean) {
  const rows = rowsOf(distinct);
  const opts = {
    padId: entry.tok.padId,
    loraMode: 'gathered' as const,
    ...(bank ? { bank: entry.bank! } : {}),
  };
  await forwardRows(entry.model, rows, opts); // warm-up: kernels compiled for these shapes
  const info = await tf.profile(async () => {
    await forwardRows(entry.model, rows, opts);
  });
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await forwardRows(entry.model, rows, opts);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { kernels: info.kernels.length, medianMs: times[Math.floor(times.length / 2)]! };
}

console.log(
  `backend ${report.backend}, default model, batch ${BATCH}, gathered LoRA products, median of ${reps}; ` +
    `32 adapters loaded in ${loadAll.toFixed(0)} ms (the bank updated on each load)`,
);
console.log('adapters  bank: kernels  ms      own stacks: kernels  ms');
for (const distinct of [1, 8, 32]) {
  const b = await measure(distinct, true);
  const o = await measure(distinct, false);
  console.log(
    `${String(distinct).padStart(8)}  ${String(b.kernels).padStart(13)}  ${b.medianMs.toFixed(1).padStart(6)}` +
      `  ${String(o.kernels).padStart(19)}  ${o.medianMs.toFixed(1).padStart(6)}`,
  );
}
/** Nine hot loads onto `m`'s 31 others (each adapter in turn unloaded, then loaded again), as `median ms, max ms`. */
function hotLoads(m: LoadedModel): string {
  const ms: number[] = [];
  for (let r = 0; r < 9; r++) {
    const key = names[r % names.length]!;
    m.unload(key);
    ms.push(m.adapter({ key, dir: `${tmp.dir}/${key}` }, 128).loadMs);
  }
  ms.sort((a, b) => a - b);
  return `median ${ms[4]!.toFixed(1)} ms, max ${ms[8]!.toFixed(1)} ms`;
}
// The hot load with the bank: one more adapter onto 31 loaded (the bank restacked).
console.log(`hot load onto 31 loaded, with the bank: ${hotLoads(entry)}`);
// The same without a bank, on a model entry of its own sharing the weights.
const plain = new LoadedModel('default', base.model, base.tok, base.baseClassifies, { bank: false });
for (const key of names) plain.adapter({ key, dir: `${tmp.dir}/${key}` }, 128);
console.log(`hot load without a bank: ${hotLoads(plain)}`);
for (const a of plain.adapters.values()) a.instance.dispose();
entry.bank?.dispose();
for (const a of entry.adapters.values()) a.instance.dispose();
base.dispose();
tmp.cleanup();
