/**
 * A report as one self-contained HTML file: inline CSS, charts as inline SVG, no script and no reference to
 * anything outside the file, so it opens offline. Its Content-Security-Policy forbids every fetch, so a mistake
 * that added one would fail loudly instead of quietly reaching the network.
 */
import type { ReportCell, ReportDoc, ReportSection } from './model.ts';
import { colorAt, esc, lineChartSvg, scatterSvg } from './svg.ts';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f24;margin:0;background:#fff}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:24px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.muted{color:#57606a}table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}thead th{background:#f6f8fa}
svg{width:100%;max-width:680px;height:auto;display:block}svg text{font-size:11px;fill:#444}svg .label{font-size:12px;fill:#222}
svg .axis{stroke:#888}svg .grid{stroke:#eee}.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
pre{background:#f6f8fa;padding:10px;border-radius:6px;overflow:auto;font-size:12px}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
@media print{main{max-width:none}details{break-inside:avoid}}
`;

function cell(v: ReportCell, digits: number | undefined): string {
  if (v === null) return '<td>—</td>';
  if (typeof v === 'number')
    return `<td class="num">${Number.isFinite(v) ? esc(v.toFixed(digits ?? 4)) : esc(String(v))}</td>`;
  return `<td>${esc(v)}</td>`;
}

const legend = (labels: readonly string[]) =>
  `<p class="legend">${labels.map((l, i) => `<span><i style="background:${colorAt(i)}"></i>${esc(l)}</span>`).join('')}</p>`;

function section(s: ReportSection): string {
  switch (s.kind) {
    case 'text':
      return `${s.title ? `<h2>${esc(s.title)}</h2>` : ''}${s.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('')}`;
    case 'table':
      return (
        `<h2>${esc(s.title)}</h2><table><thead><tr>${s.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>` +
        `<tbody>${s.rows.map((r) => `<tr>${r.map((v, i) => cell(v, s.digits?.[i])).join('')}</tr>`).join('')}</tbody></table>` +
        (s.note ? `<p class="muted">${esc(s.note)}</p>` : '')
      );
    case 'lines':
      return `<h2>${esc(s.title)}</h2>${legend(s.lines.map((l) => l.label))}${lineChartSvg(s.title, s.xLabel, s.yLabel, s.lines)}`;
    case 'scatter':
      return `<h2>${esc(s.title)}</h2>${scatterSvg(s.title, s.xLabel, s.yLabel, s.points, s.logX)}`;
    case 'configs':
      return (
        `<h2>${esc(s.title)}</h2>` +
        s.items
          .map(
            (it) =>
              `<details><summary>${esc(it.label)}</summary><pre>${esc(JSON.stringify(it.value, null, 2))}</pre></details>`,
          )
          .join('')
      );
  }
}

/** The whole file. */
export function renderReportHtml(doc: ReportDoc): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(doc.title)}</title><style>${STYLE}</style></head>`,
    '<body><main>',
    `<h1>${esc(doc.title)}</h1>`,
    doc.subtitle ? `<p class="muted">${esc(doc.subtitle)}</p>` : '',
    `<p class="muted">Made ${esc(doc.generatedAt)} by ${esc(doc.generator)}. This file is self-contained: it opens offline.</p>`,
    ...doc.sections.map(section),
    '</main></body></html>',
    '',
  ].join('\n');
}
