/** Shaping metric series for charts (uPlot wants one shared, sorted x array). */

/** One line of a chart: points in x order. */
export interface Line {
  label: string;
  xs: readonly number[];
  ys: readonly number[];
  /** CSS color; charts pick from the theme palette when absent. */
  color?: string;
  /** Drawn thin and translucent behind its smoothed twin. */
  faint?: boolean;
}

/**
 * Aligns lines on the union of their x values; a line has null where it has no point (spanned over when drawn).
 * Returns [xs, ...ys] in uPlot's AlignedData layout.
 */
export function alignLines(lines: readonly Line[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(lines.flatMap((l) => l.xs))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = lines.map((l) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    l.xs.forEach((x, i) => {
      const at = index.get(x);
      const y = l.ys[i];
      if (at !== undefined && y !== undefined && Number.isFinite(y)) col[at] = y;
    });
    return col;
  });
  return [xs, ...ys];
}

/** Number of plotted points (finite y values) over all lines. */
export const countPoints = (lines: readonly Line[]): number =>
  lines.reduce((n, l) => n + l.ys.filter((y) => Number.isFinite(y)).length, 0);

/** Log10 axis bounds that cover the values with whole decades (for the efficiency scatter). */
export function decadeRange(values: readonly number[]): [number, number] {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return [0.01, 100];
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...pos))));
  let hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...pos))));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

/** Linear bounds with a margin, never empty (one point still gets a visible range). */
export function paddedRange(values: readonly number[], pad = 0.08): [number, number] {
  const fin = values.filter((v) => Number.isFinite(v));
  if (fin.length === 0) return [0, 1];
  const min = Math.min(...fin);
  const max = Math.max(...fin);
  const span = max - min || Math.abs(max) || 1;
  return [min - span * pad, max + span * pad];
}

/**
 * Point radius in CSS pixels for a size on disk. Adapter sizes span decades (a LoRA of a few KiB next to a full
 * fine-tune of hundreds of MiB), so the radius grows with log(bytes) between the smallest and largest known size.
 */
export function pointRadius(bytes: number | null, allBytes: readonly number[], minR = 5, maxR = 20): number {
  const known = allBytes.filter((b) => b > 0 && Number.isFinite(b));
  if (bytes === null || !(bytes > 0) || known.length === 0) return minR;
  const lo = Math.log(Math.min(...known));
  const hi = Math.log(Math.max(...known));
  if (hi - lo < 1e-9) return (minR + maxR) / 2;
  const t = Math.min(1, Math.max(0, (Math.log(bytes) - lo) / (hi - lo)));
  return minR + t * (maxR - minR);
}

/** How a loss chart scales its y axis (the run page's and Compare's loss charts offer both toggles). */
export interface LossScale {
  log: boolean;
  /** Cut the axis at `outlierCeiling`, so one diverged run does not flatten every other curve. */
  clip: boolean;
}

/** A loss far above where every line started is a divergence, not a curve to fit the axis to. */
export const OUTLIER_FACTOR = 3;

/**
 * The y value above which a loss chart's points are outliers: OUTLIER_FACTOR times the highest starting value
 * (median of a line's first 5 points), or null when no point is above it. Losses fall from their start; one that
 * climbs to 1e11 has diverged, and scaling the axis to it flattens every other line to zero.
 */
export function outlierCeiling(lines: readonly Line[]): number | null {
  const starts = lines.flatMap((l) => {
    const first = l.ys.filter((y) => Number.isFinite(y)).slice(0, 5);
    if (first.length === 0) return [];
    const sorted = [...first].sort((a, b) => a - b);
    return [sorted[Math.floor(sorted.length / 2)] as number];
  });
  if (starts.length === 0) return null;
  const ceiling = OUTLIER_FACTOR * Math.max(...starts.map(Math.abs));
  if (!(ceiling > 0)) return null;
  const above = lines.some((l) => l.ys.some((y) => Number.isFinite(y) && y > ceiling));
  return above ? ceiling : null;
}

/** Points a chart leaves out: above the clipping ceiling, or not positive on a log axis. */
export function hiddenPoints(lines: readonly Line[], scale: LossScale): number {
  const ceiling = scale.clip ? outlierCeiling(lines) : null;
  return lines.reduce(
    (n, l) =>
      n +
      l.ys.filter((y) => Number.isFinite(y) && ((ceiling !== null && y > ceiling) || (scale.log && !(y > 0))))
        .length,
    0,
  );
}

/**
 * The y axis range for a loss chart's finite values: from the lowest to the highest shown value (the clipping
 * ceiling when outliers are clipped); on a log axis only positive values count and the range spans whole decades.
 */
export function lossRange(lines: readonly Line[], scale: LossScale): [number, number] | null {
  const ceiling = scale.clip ? outlierCeiling(lines) : null;
  const ys = lines
    .flatMap((l) => l.ys)
    .filter((y) => Number.isFinite(y) && (ceiling === null || y <= ceiling) && (!scale.log || y > 0));
  if (ys.length === 0) return null;
  const lo = Math.min(...ys);
  const hi = ceiling ?? Math.max(...ys);
  if (scale.log) {
    const a = Math.pow(10, Math.floor(Math.log10(lo)));
    const b = Math.pow(10, Math.ceil(Math.log10(hi)));
    return [a, b > a ? b : a * 10];
  }
  const [pLo, pHi] = paddedRange([lo, hi], 0.05);
  // Losses are not negative: the padding does not take the axis below zero.
  return [lo >= 0 ? Math.max(0, pLo) : pLo, pHi];
}

/**
 * Series that say nothing when overlaid across runs: timings per step, a continual run's stage index, and the
 * majority-class baseline (one value at step 0, shown beside the headline metric, not a curve).
 */
const hiddenSeries = (key: string) =>
  key === 'system/step_ms' || key === 'system/stage' || key.startsWith('system/baseline_');
/** Overlay order: the curves people look at first. */
const ORDER = [
  'train/loss',
  'validation/loss',
  'validation/accuracy',
  'validation/macroF1',
  'validation/perplexity',
];
const rank = (key: string) => {
  const i = ORDER.indexOf(key);
  return i < 0 ? ORDER.length + (key.startsWith('validation/') ? 0 : 1) : i;
};

/** The metric keys (`split/name`) Compare overlays for these series, once each, in display order. */
export function overlaidKeys(series: readonly { split: string; name: string }[]): string[] {
  const keys = [...new Set(series.map((s) => `${s.split}/${s.name}`))].filter((k) => !hiddenSeries(k));
  return keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
