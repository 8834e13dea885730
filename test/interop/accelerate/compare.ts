/**
 * Helper of import-and-compare.sh: `compare.ts DIR` prints, as Markdown for RESULTS.md, the validation metrics of
 * the runs trained here (DIR/runs.json) beside the same runs trained by train.py and imported back
 * (DIR/import-<folder>.json), the largest logit difference between torch (torch-logits.safetensors: PEFT for
 * LoRA, studio_bottleneck.py for bottleneck) and the studio (studio-logits.safetensors) on the same inputs, and,
 * for <name>-<N>gpu folders, how far their train-loss curve
 * is from the one-GPU folder's (raw and smoothed, step by step).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../src-main/db/open.ts';
import { finalMetrics } from '../../../src-main/db/tables/metrics.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';

const dir = path.resolve(process.argv[2] ?? '.interop-accelerate');
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const runs = readJson<Record<string, number>>(path.join(dir, 'runs.json'));
const db = openDatabase(path.join(dir, 'project/studio.db'));
const fmt = (v: number | undefined, digits = 4) => (v === undefined ? '—' : v.toFixed(digits));
const lines: string[] = [];

lines.push('| run | trained | accuracy | macro-F1 | val. loss | accuracy − studio (points) |');
lines.push('| --- | --- | --- | --- | --- | --- |');
const folders = fs
  .readdirSync(dir)
  .filter((f) => /^import-.*\.json$/.test(f))
  .map((f) => f.slice('import-'.length, -'.json'.length))
  .sort();
for (const [method, studioId] of Object.entries(runs)) {
  const here = finalMetrics(db, studioId);
  lines.push(
    `| ${method} (run ${studioId}) | studio, here | ${fmt(here.accuracy)} | ${fmt(here.macroF1)} | ${fmt(here.loss)} | |`,
  );
  for (const folder of folders.filter((f) => f === method || f.startsWith(`${method}-`))) {
    const { runId } = readJson<{ runId: number }>(path.join(dir, `import-${folder}.json`));
    const there = finalMetrics(db, runId);
    const diff =
      there.accuracy !== undefined && here.accuracy !== undefined
        ? (100 * (there.accuracy - here.accuracy)).toFixed(2)
        : '—';
    lines.push(
      `| ${method} (run ${runId}) | train.py, \`${folder}\` | ${fmt(there.accuracy)} | ${fmt(there.macroF1)} | ${fmt(there.loss)} | ${diff} |`,
    );
  }
}
db.close();

const logits = (file: string) => readSafetensors(file).tensors.get('logits')?.data as Float32Array;
for (const folder of folders) {
  const out = path.join(dir, folder, 'output');
  if (!fs.existsSync(path.join(out, 'studio-logits.safetensors'))) continue;
  const a = logits(path.join(out, 'torch-logits.safetensors'));
  const b = logits(path.join(out, 'studio-logits.safetensors'));
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  lines.push(
    '',
    `\`${folder}\`: max abs logit difference, torch vs the studio, ${a.length} logits: ${max.toExponential(2)}`,
  );
}

/** The train-loss points of a folder's metrics.jsonl, by step. */
function trainLoss(folder: string): Map<number, number> {
  const file = path.join(dir, folder, 'output/metrics.jsonl');
  const out = new Map<number, number>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as { step: number; split: string; loss?: number };
    if (e.split === 'train' && e.loss !== undefined) out.set(e.step, e.loss);
  }
  return out;
}
const smooth = (values: number[], alpha = 0.9) => {
  let s = values[0] ?? 0;
  return values.map((v) => (s = alpha * s + (1 - alpha) * v));
};
for (const folder of folders.filter((f) => /-\d+gpu$/.test(f))) {
  const one = trainLoss(folder.replace(/-\d+gpu$/, ''));
  const many = trainLoss(folder);
  const steps = [...one.keys()].filter((s) => many.has(s)).sort((x, y) => x - y);
  const a = steps.map((s) => one.get(s) as number);
  const b = steps.map((s) => many.get(s) as number);
  const [sa, sb] = [smooth(a), smooth(b)];
  const maxRaw = Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
  const maxSmooth = Math.max(...sa.map((v, i) => Math.abs(v - (sb[i] as number))));
  const mean = a.reduce((acc, v, i) => acc + Math.abs(v - (b[i] as number)), 0) / Math.max(1, a.length);
  lines.push(
    '',
    `\`${folder}\` vs one GPU, train loss over ${steps.length} common steps: mean abs diff ${mean.toFixed(4)}, max ${maxRaw.toFixed(4)} (raw), max ${maxSmooth.toFixed(4)} (EMA 0.9); final smoothed ${fmt(sa.at(-1))} vs ${fmt(sb.at(-1))}`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
