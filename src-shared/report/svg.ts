/**
 * Charts as inline SVG strings: no script, no font or stylesheet to fetch, so the report draws the same offline,
 * in any browser, printed or mailed.
 */
import type { ReportLine, ReportPoint } from './model.ts';

/** Escapes text for HTML and SVG (element content and attribute values). */
export const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** Run colours, distinguishable and readable on white (Okabe–Ito). */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];
export const colorAt = (i: number): string => PALETTE[i % PALETTE.length] as string;

const W = 640;
const H = 300;
const M = { left: 60, right: 16, top: 14, bottom: 44 };

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

const fmt = (v: number): string =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
    ? v.toExponential(1)
    : String(Number(v.toPrecision(4)));

interface Axes {
  x: (v: number) => number;
  y: (v: number) => number;
  body: string;
}

function axes(
  xr: [number, number],
  yr: [number, number],
  xLabel: string,
  yLabel: string,
  logX = false,
): Axes {
  // 6% of margin on each side, so a point at the extremes (and its label) stays inside the plot.
  const pad = (r: [number, number]): [number, number] => {
    if (r[0] === r[1]) return [r[0] - 1, r[1] + 1];
    const m = (r[1] - r[0]) * 0.06;
    return [r[0] - m, r[1] + m];
  };
  const [x0, x1] = pad(logX ? [Math.log10(xr[0]), Math.log10(xr[1])] : xr);
  const [y0, y1] = pad(yr);
  const x = (v: number) => M.left + (((logX ? Math.log10(v) : v) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  // A log axis is ticked at powers of ten (1%, 10%, 100%), or at its two ends when it spans less than a decade.
  const decades = ticks(Math.ceil(x0), Math.floor(x1)).filter(Number.isInteger);
  const xt = !logX ? ticks(x0, x1) : (decades.length ? decades : [x0, x1]).map((t) => 10 ** t);
  const parts = [
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" class="axis"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" class="axis"/>`,
    ...xt.map(
      (t) =>
        `<text x="${x(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(fmt(t))}</text>`,
    ),
    ...ticks(y0, y1).map(
      (t) =>
        `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/>` +
        `<text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${esc(fmt(t))}</text>`,
    ),
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" class="label">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(yLabel)}</text>`,
  ];
  return { x, y, body: parts.join('') };
}

const range = (vs: number[]): [number, number] => [Math.min(...vs), Math.max(...vs)];
const svg = (title: string, body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${body}</svg>`;

/** Lines over a shared x axis (steps); a line with no finite point is left out. */
export function lineChartSvg(
  title: string,
  xLabel: string,
  yLabel: string,
  lines: readonly ReportLine[],
): string {
  const finite = lines.map((l) => ({
    ...l,
    pts: l.xs
      .map((x, i) => [x, l.ys[i] ?? NaN] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const all = finite.flatMap((l) => l.pts);
  if (all.length === 0)
    return svg(title, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no points</text>`);
  const a = axes(range(all.map((p) => p[0])), range(all.map((p) => p[1])), xLabel, yLabel);
  const paths = finite
    .map((l, i) =>
      l.pts.length === 0
        ? ''
        : `<polyline fill="none" stroke="${colorAt(i)}" stroke-width="1.8" points="${l.pts
            .map(([x, y]) => `${a.x(x).toFixed(1)},${a.y(y).toFixed(1)}`)
            .join(' ')}"><title>${esc(l.label)}</title></polyline>`,
    )
    .join('');
  return svg(title, a.body + paths);
}

/** Labelled points; with `logX`, points at x <= 0 cannot be placed and are left out. */
export function scatterSvg(
  title: string,
  xLabel: string,
  yLabel: string,
  points: readonly ReportPoint[],
  logX = false,
): string {
  const ok = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logX || p.x > 0));
  if (ok.length === 0)
    return svg(title, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no points</text>`);
  const a = axes(range(ok.map((p) => p.x)), range(ok.map((p) => p.y)), xLabel, yLabel, logX);
  const dots = ok
    .map(
      (p, i) =>
        `<circle cx="${a.x(p.x).toFixed(1)}" cy="${a.y(p.y).toFixed(1)}" r="${(5 * (p.size ?? 1)).toFixed(1)}" fill="${colorAt(i)}" fill-opacity="0.8"><title>${esc(p.label)}</title></circle>` +
        `<text x="${(a.x(p.x) + 8).toFixed(1)}" y="${(a.y(p.y) - 6).toFixed(1)}">${esc(p.label)}</text>`,
    )
    .join('');
  return svg(title, a.body + dots);
}
