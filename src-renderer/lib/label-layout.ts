/**
 * Where a scatter chart's point labels go so that none overlaps another label or another point: each label
 * tries spots around its point (right, left, then above and below, then further out) and takes the first free
 * one inside the plot; a label with no free spot is left out (the legend under the chart names every point).
 * Pure, so the placement is tested without a canvas.
 */

export interface LabelledPoint {
  /** The point's centre and radius, in canvas pixels. */
  cx: number;
  cy: number;
  r: number;
  /** The label's measured width and its line height. */
  width: number;
  height: number;
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A label's spot: its box, and the anchor and alignment to draw its text with (textBaseline 'middle'). */
export interface LabelSpot {
  box: Box;
  x: number;
  y: number;
  align: 'left' | 'right';
}

const overlaps = (a: Box, b: Box): boolean =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Whether a circle touches a box (the nearest point of the box is within the radius). */
function hitsCircle(b: Box, cx: number, cy: number, r: number): boolean {
  const nx = Math.max(b.left, Math.min(cx, b.right));
  const ny = Math.max(b.top, Math.min(cy, b.bottom));
  return (nx - cx) ** 2 + (ny - cy) ** 2 < r * r;
}

/** Candidate spots around one point, nearest first. */
function candidates(p: LabelledPoint, gap: number): LabelSpot[] {
  const out: LabelSpot[] = [];
  const h = p.height;
  // Vertical offsets: level with the point, then a line up or down, then two lines.
  for (const dy of [0, -h, h, -2 * h, 2 * h, -3 * h, 3 * h]) {
    const y = p.cy + dy;
    const dx = dy === 0 ? p.r + gap : Math.max(gap, p.r * 0.5);
    for (const align of ['left', 'right'] as const) {
      const x = align === 'left' ? p.cx + dx : p.cx - dx;
      const left = align === 'left' ? x : x - p.width;
      out.push({ x, y, align, box: { left, right: left + p.width, top: y - h / 2, bottom: y + h / 2 } });
    }
  }
  return out;
}

/**
 * One spot per point (null: no free spot, the label is not drawn). Points are placed in the given order, so
 * callers pass the most important first.
 */
export function placeLabels(points: readonly LabelledPoint[], bounds: Box, gap = 4): (LabelSpot | null)[] {
  const taken: Box[] = [];
  return points.map((p, i) => {
    const free = candidates(p, gap).find(
      (c) =>
        c.box.left >= bounds.left &&
        c.box.right <= bounds.right &&
        c.box.top >= bounds.top &&
        c.box.bottom <= bounds.bottom &&
        !taken.some((t) => overlaps(t, c.box)) &&
        !points.some((q, j) => j !== i && hitsCircle(c.box, q.cx, q.cy, q.r)) &&
        !hitsCircle(c.box, p.cx, p.cy, p.r),
    );
    if (!free) return null;
    taken.push(free.box);
    return free;
  });
}
