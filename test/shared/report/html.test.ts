import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../src-shared/report/html.ts';
import type { ReportDoc } from '../../../src-shared/report/model.ts';
import { esc, lineChartSvg, scatterSvg, ticks } from '../../../src-shared/report/svg.ts';

const doc: ReportDoc = {
  title: 'Comparing <2> runs',
  subtitle: 'Project "x" & co',
  generatedAt: '2026-12-06T10:00:00.000Z',
  generator: 'Adapter Studio test',
  sections: [
    { kind: 'text', title: 'Verdict', paragraphs: ['LoRA <wins>'] },
    {
      kind: 'table',
      title: 'Runs',
      columns: ['Run', 'accuracy'],
      rows: [
        ['#1 <script>alert(1)</script>', 0.81234],
        ['#2', null],
      ],
      digits: [0, 2],
    },
    {
      kind: 'lines',
      title: 'Loss',
      xLabel: 'step',
      yLabel: 'loss',
      lines: [
        { label: 'a', xs: [1, 2, 3], ys: [1, 0.5, NaN] },
        { label: 'b', xs: [1, 2], ys: [0.9, 0.7] },
      ],
    },
    {
      kind: 'scatter',
      title: 'Efficiency',
      xLabel: '%',
      yLabel: 'acc',
      logX: true,
      points: [
        { label: 'lora', x: 1.5, y: 0.8 },
        { label: 'full', x: 100, y: 0.83 },
        { label: 'zero', x: 0, y: 0.5 },
      ],
    },
    { kind: 'configs', title: 'Configs', items: [{ label: '#1', value: { method: { type: 'lora' } } }] },
  ],
};

describe('report HTML', () => {
  const html = renderReportHtml(doc);

  it('is one file: no script, no external reference, a CSP that forbids every fetch', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain(
      'content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:"',
    );
  });

  it('escapes every text, formats numbers by column, and shows empty cells as a dash', () => {
    expect(html).toContain('<title>Comparing &lt;2&gt; runs</title>');
    expect(html).toContain('Project &quot;x&quot; &amp; co');
    expect(html).toContain('#1 &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<td class="num">0.81</td>');
    expect(html).toContain('<td>—</td>');
    expect(html).toContain('&quot;type&quot;: &quot;lora&quot;');
  });

  it('draws lines and points as SVG, leaving out what cannot be placed', () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html.match(/<polyline /g)).toHaveLength(2);
    // The NaN point of line "a" is dropped: two points remain.
    const a = /<polyline[^>]*points="([^"]*)"><title>a<\/title>/.exec(html);
    expect(a?.[1]?.split(' ')).toHaveLength(2);
    // x = 0 has no place on a log axis.
    expect(html.match(/<circle /g)).toHaveLength(2);
    expect(scatterSvg('t', 'x', 'y', [])).toContain('no points');
    expect(lineChartSvg('t', 'x', 'y', [{ label: 'n', xs: [1], ys: [NaN] }])).toContain('no points');
  });

  it('picks round ticks and escapes quotes', () => {
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(0.5, 0.5)).toEqual([0.5]);
    expect(esc(`a'b"<&>`)).toBe('a&#39;b&quot;&lt;&amp;&gt;');
  });
});
