/** Evaluation metrics over plain arrays (computed after the tensors are read back). */

export function accuracy(predicted: ArrayLike<number>, gold: ArrayLike<number>): number {
  if (gold.length === 0) return 0;
  let hit = 0;
  for (let i = 0; i < gold.length; i++) if (predicted[i] === gold[i]) hit++;
  return hit / gold.length;
}

/** Macro-averaged F1 over `numClasses` classes; a class with no gold and no predicted example is skipped. */
export function macroF1(predicted: ArrayLike<number>, gold: ArrayLike<number>, numClasses: number): number {
  const tp = new Array<number>(numClasses).fill(0);
  const fp = new Array<number>(numClasses).fill(0);
  const fn = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < gold.length; i++) {
    const p = predicted[i] ?? -1;
    const g = gold[i] ?? -1;
    if (p === g) tp[g] = (tp[g] ?? 0) + 1;
    else {
      if (p >= 0) fp[p] = (fp[p] ?? 0) + 1;
      if (g >= 0) fn[g] = (fn[g] ?? 0) + 1;
    }
  }
  let sum = 0;
  let classes = 0;
  for (let c = 0; c < numClasses; c++) {
    const t = tp[c] ?? 0;
    const denom = 2 * t + (fp[c] ?? 0) + (fn[c] ?? 0);
    if (denom === 0) continue;
    sum += (2 * t) / denom;
    classes++;
  }
  return classes === 0 ? 0 : sum / classes;
}

/** exp(mean token negative log-likelihood). */
export const perplexity = (meanNll: number): number => Math.exp(meanNll);

/** Index of the largest value in each row of a row-major [rows, cols] array. */
export function argmaxRows(values: ArrayLike<number>, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c] ?? -Infinity;
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}
