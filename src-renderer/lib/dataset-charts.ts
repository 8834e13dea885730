/** Bars for the Datasets page's small charts (label balance, token lengths): pure, so they are unit-tested. */
import type { LengthHistogram } from '../../src-shared/datasets.ts';

export interface Bar {
  label: string;
  count: number;
  /** count / total, 0..1. */
  share: number;
  /** count / the largest count, 0..1: the bar's drawn length. */
  scale: number;
}

function withScale(items: { label: string; count: number }[]): Bar[] {
  const total = items.reduce((s, b) => s + b.count, 0);
  const top = Math.max(0, ...items.map((b) => b.count));
  return items.map((b) => ({
    ...b,
    share: total ? b.count / total : 0,
    scale: top ? b.count / top : 0,
  }));
}

/** One bar per label, the largest class first (ties by name), so an imbalance reads at a glance. */
export function labelBars(counts: Record<string, number>): Bar[] {
  return withScale(
    Object.entries(counts)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .map(([label, count]) => ({ label, count })),
  );
}

/** One bar per histogram bin, labelled with its token range ("0–9", or "200+" for the open-ended last bin). */
export function histogramBars(h: LengthHistogram): Bar[] {
  const w = h.binWidth;
  return withScale(
    h.counts.map((count, i) => {
      const from = h.start + i * w;
      const last = i === h.counts.length - 1;
      const label = last && h.overflow ? `${from}+` : w === 1 ? String(from) : `${from}–${from + w - 1}`;
      return { label, count };
    }),
  );
}

/** "12%" / "0.4%": one decimal only where a whole number would read as 0. */
export function formatShare(share: number): string {
  const pct = share * 100;
  return pct > 0 && pct < 1 ? `${pct.toFixed(1)}%` : `${Math.round(pct)}%`;
}
