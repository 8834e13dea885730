/**
 * Tokens a whole run's training batches compute, padded three ways: to the max length (webgpu before length
 * buckets), to length buckets (webgpu now, length-buckets.ts) and to each batch's longest row (the PyTorch + PEFT
 * script, and the cpu loop). Arithmetic on the real batches of test/bench/whole-run.sh's run (the bundled default
 * model's tokenizer, moby-questions, batches of 16, seed 0, max length 128): the same shuffles the loop makes.
 * Usage: node bin/run-ts.mjs test/bench/bucket-tokens.ts [epochs]
 */
import { initBackend } from '../../src-main/engine/backends.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import { loadDataset } from '../../src-main/data/load.ts';
import { permutation } from '../../src-main/data/rng.ts';
import { lengthBuckets } from '../../src-main/training/length-buckets.ts';
import { classifierLabels, loadModelAndTokenizer, prepareData } from '../../src-main/training/prepare.ts';

await initBackend('cpu');
const epochs = Number(process.argv[2] ?? 5);
const config = trainConfigSchema.parse({
  project: '/tmp/bucket-tokens',
  model: 'default',
  dataset: { sample: 'moby-questions' },
  method: { type: 'lora', r: 8, alpha: 16 },
  train: { epochs, batchSize: 16, lr: 0.001, maxLength: 128, seed: 0 },
});
const dataset = loadDataset(config.dataset);
const { model, tok } = loadModelAndTokenizer(config, classifierLabels(dataset));
const { train } = prepareData(config.dataset, model, tok, config.train, dataset);
const lengths = train.map((e) => ('ids' in e ? e.ids.length : 0));
const { maxLength, batchSize, seed } = config.train;
const buckets = lengthBuckets(maxLength);
const totals = { maxLength: 0, buckets: 0, longest: 0, real: 0 };
const used = new Map<number, number>();
for (let epoch = 0; epoch < epochs; epoch++) {
  const order = permutation(train.length, seed, epoch);
  for (let s = 0; s < order.length; s += batchSize) {
    const rows = order.slice(s, s + batchSize).map((i) => lengths[i] as number);
    const longest = Math.max(2, ...rows);
    const bucket = buckets.find((b) => b >= longest) ?? maxLength;
    used.set(bucket, (used.get(bucket) ?? 0) + 1);
    totals.maxLength += rows.length * maxLength;
    totals.buckets += rows.length * bucket;
    totals.longest += rows.length * longest;
    totals.real += rows.reduce((a, b) => a + b, 0);
  }
}
const perEpoch = (n: number) => Math.round(n / epochs);
console.log(
  JSON.stringify({
    examples: train.length,
    tokensPerEpoch: {
      maxLength: perEpoch(totals.maxLength),
      buckets: perEpoch(totals.buckets),
      longest: perEpoch(totals.longest),
      real: perEpoch(totals.real),
    },
    maxLengthOverBuckets: +(totals.maxLength / totals.buckets).toFixed(2),
    bucketsOverLongest: +(totals.buckets / totals.longest).toFixed(2),
    batchesPerBucket: Object.fromEntries([...used].sort((a, b) => a[0] - b[0])),
  }),
);
model.dispose();
