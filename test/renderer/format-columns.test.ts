/** Issue #21: the Compare table printed `0.5` beside `0.5042`; a column now has one number format. */
import { describe, expect, it } from 'vitest';
import { formatMetric, metricColumn, percentColumn } from '../../src-renderer/lib/format.ts';

describe('column formats', () => {
  it('gives every row of a metric column the same decimals', () => {
    const values = [0.5, 0.5042, 1, undefined];
    // What the table printed before: a different number of digits per row.
    expect(values.map((v) => formatMetric(v))).toEqual(['0.5', '0.5042', '1', '—']);
    const f = metricColumn(values);
    expect(values.map(f)).toEqual(['0.5000', '0.5042', '1.0000', '—']);
  });

  it('keeps 4 significant digits of the smallest value of a loss column', () => {
    const f = metricColumn([2.31, 0.0421, 12]);
    expect([2.31, 0.0421, 12].map(f)).toEqual(['2.31000', '0.04210', '12.00000']);
  });

  it('writes a whole column in exponents when one value needs them (a diverged loss)', () => {
    const values = [0.69, 1e11];
    const f = metricColumn(values);
    expect(values.map(f)).toEqual(['6.90e-1', '1.00e+11']);
  });

  it('gives every row of a percentage column the same decimals', () => {
    const values = [12.3, 0.05, 100, null];
    expect(values.map(percentColumn(values))).toEqual(['12.300%', '0.050%', '100.000%', '—']);
  });
});
