/** Number and time formatting shared by the Runs and Compare pages. */

/** 1234567 -> "1.23 M"; small counts stay exact. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs < 10_000) return String(Math.round(n));
  if (abs < 1e6) return `${(n / 1e3).toFixed(1)} k`;
  if (abs < 1e9) return `${(n / 1e6).toFixed(2)} M`;
  return `${(n / 1e9).toFixed(2)} B`;
}

/** Trainable share of the parameters, as a percentage (null when either count is unknown). */
export function trainablePercent(trainable: number | null, total: number | null): number | null {
  if (trainable === null || total === null || total <= 0) return null;
  return (100 * trainable) / total;
}

/** A percentage with enough digits to tell 0.01 % from 0.05 %. */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p >= 10) return `${p.toFixed(1)}%`;
  if (p >= 0.1) return `${p.toFixed(2)}%`;
  return `${p.toPrecision(2)}%`;
}

/** Bytes in binary units: 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Seconds left, as people say it: "45 s", "12 min", "1 h 05 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const min = Math.round(seconds / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}

/** A metric value: 4 significant digits, without exponent noise for ordinary magnitudes. */
export function formatMetric(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** An axis tick: short, but precise enough that neighbouring ticks (0.0005, 0.001) never print the same. */
export function formatTick(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const abs = Math.abs(v);
  if (abs === 0) return '0';
  if (abs < 1e-3) return v.toExponential(1).replace('.0e', 'e');
  if (abs >= 1e5) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

const finiteOf = (values: readonly (number | null | undefined)[]): number[] =>
  values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

/** Decimals that give the smallest non-zero magnitude among `values` `sig` significant digits (at most `cap`). */
function columnDecimals(values: readonly number[], sig: number, cap: number): number {
  const exps = values.filter((v) => v !== 0).map((v) => Math.floor(Math.log10(Math.abs(v))));
  if (exps.length === 0) return 0;
  return Math.min(cap, Math.max(0, sig - 1 - Math.min(...exps)));
}

/**
 * One format for a table column of metric values, so `0.5` never stands beside `0.5042`: the same number of
 * decimals for every row (4 significant digits of the smallest value), or exponents for all when any value is
 * too small or too large for decimals.
 */
export function metricColumn(
  values: readonly (number | null | undefined)[],
): (v: number | null | undefined) => string {
  const finite = finiteOf(values);
  const exponent = finite.some((v) => v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6));
  const decimals = columnDecimals(finite, 4, 6);
  return (v) => {
    if (v === null || v === undefined || !Number.isFinite(v)) return '—';
    return exponent ? v.toExponential(2) : v.toFixed(decimals);
  };
}

/** One format for a column of percentages: the decimals that give its smallest value 2 significant digits. */
export function percentColumn(
  values: readonly (number | null | undefined)[],
): (v: number | null | undefined) => string {
  const decimals = columnDecimals(finiteOf(values), 2, 4);
  return (v) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${v.toFixed(decimals)}%`);
}
