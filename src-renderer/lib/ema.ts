/**
 * TensorBoard's scalar smoothing: an exponential moving average, debiased so the first points are not pulled
 * towards zero. `weight` is the slider value in [0, 1): 0 returns the raw values, 0.99 a very smooth curve.
 * Non-finite values pass through unchanged and do not disturb the average.
 */
export function ema(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return values.slice();
  let last = 0;
  let count = 0;
  const out: number[] = [];
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(v);
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out.push(last / (1 - Math.pow(w, count)));
  }
  return out;
}
