/** Issue #21: scatter labels overlapped; placeLabels gives each label a spot free of other labels and points. */
import { describe, expect, it } from 'vitest';
import { placeLabels } from '../../src-renderer/lib/label-layout.ts';
import type { Box, LabelledPoint } from '../../src-renderer/lib/label-layout.ts';

const BOUNDS: Box = { left: 0, top: 0, right: 600, bottom: 300 };
const pt = (cx: number, cy: number, width = 120): LabelledPoint => ({ cx, cy, r: 6, width, height: 15 });
const overlap = (a: Box, b: Box) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const inside = (b: Box) =>
  b.left >= BOUNDS.left && b.right <= BOUNDS.right && b.top >= BOUNDS.top && b.bottom <= BOUNDS.bottom;
const hits = (b: Box, p: LabelledPoint) => {
  const nx = Math.max(b.left, Math.min(p.cx, b.right));
  const ny = Math.max(b.top, Math.min(p.cy, b.bottom));
  return (nx - p.cx) ** 2 + (ny - p.cy) ** 2 < p.r ** 2;
};

describe('placeLabels', () => {
  it('puts a lone label right of its point, level with it', () => {
    const [spot] = placeLabels([pt(100, 100)], BOUNDS);
    expect(spot).toMatchObject({ align: 'left', x: 110, y: 100 });
  });

  it('flips a label left of its point at the right edge', () => {
    const [spot] = placeLabels([pt(560, 100)], BOUNDS);
    expect(spot?.align).toBe('right');
    expect(spot?.box.right).toBeLessThanOrEqual(550);
  });

  it('separates the labels of runs with nearly the same metric and size', () => {
    // Five runs within a few pixels: "right of the point" for each (the old placement) overlaps every pair.
    const points = [pt(200, 150), pt(203, 152), pt(206, 149), pt(199, 155), pt(204, 146)];
    const naive = points.map((p) => ({
      left: p.cx + 10,
      right: p.cx + 130,
      top: p.cy - 7.5,
      bottom: p.cy + 7.5,
    }));
    expect(overlap(naive[0] as Box, naive[1] as Box)).toBe(true);

    const spots = placeLabels(points, BOUNDS);
    const boxes = spots.map((s) => s?.box).filter((b): b is Box => b !== undefined);
    expect(boxes).toHaveLength(points.length);
    for (const [i, a] of boxes.entries()) {
      expect(inside(a)).toBe(true);
      for (const b of boxes.slice(i + 1)) expect(overlap(a, b)).toBe(false);
      for (const p of points) expect(hits(a, p)).toBe(false);
    }
  });

  it('leaves out a label that has no free spot rather than drawing it over another', () => {
    const tiny: Box = { left: 0, top: 0, right: 300, bottom: 40 };
    const points = [pt(150, 20), pt(152, 21), pt(148, 19), pt(151, 20)];
    const spots = placeLabels(points, tiny);
    expect(spots.some((s) => s === null)).toBe(true);
    const boxes = spots.flatMap((s) => (s ? [s.box] : []));
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) expect(overlap(a, b)).toBe(false);
  });
});
