/**
 * Draws the studio's icon from one description of its shapes: the SVG favicon (resources/icons/favicon.svg, which
 * Vite copies into the renderer bundle) and the 512 px PNG that electron-builder and the Electron window use
 * (resources/build/icon.png). Run `node scripts/make-icon.mjs` after changing a shape; both files are committed.
 *
 * The picture: three layers of a frozen base model, one of them carrying a small plug-in adapter (amber).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 512;

/** Rounded rectangles in a 512 x 512 box, painted in order. */
const SHAPES = [
  { x: 0, y: 0, w: 512, h: 512, r: 112, color: '#4f46e5' },
  { x: 96, y: 112, w: 320, h: 64, r: 32, color: '#e0e7ff' },
  { x: 96, y: 224, w: 176, h: 64, r: 32, color: '#e0e7ff' },
  { x: 296, y: 208, w: 120, h: 96, r: 28, color: '#f59e0b' },
  { x: 96, y: 336, w: 320, h: 64, r: 32, color: '#e0e7ff' },
];

function svg() {
  const rects = SHAPES.map(
    (s) => `  <rect x="${s.x}" y="${s.y}" width="${s.w}" height="${s.h}" rx="${s.r}" fill="${s.color}"/>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}">\n${rects.join('\n')}\n</svg>\n`;
}

const inside = (s, px, py) => {
  if (px < s.x || py < s.y || px > s.x + s.w || py > s.y + s.h) return false;
  // Distance to the nearest corner centre, when the point is in a corner square.
  const cx = Math.min(Math.max(px, s.x + s.r), s.x + s.w - s.r);
  const cy = Math.min(Math.max(py, s.y + s.r), s.y + s.h - s.r);
  return (px - cx) ** 2 + (py - cy) ** 2 <= s.r ** 2;
};

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

function png() {
  const image = new PNG({ width: SIZE, height: SIZE });
  const n = 4; // samples per side: anti-aliased edges
  const colors = SHAPES.map((s) => rgb(s.color));
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++)
        for (let sx = 0; sx < n; sx++) {
          const px = x + (sx + 0.5) / n;
          const py = y + (sy + 0.5) / n;
          let top = -1;
          SHAPES.forEach((s, i) => {
            if (inside(s, px, py)) top = i;
          });
          if (top < 0) continue;
          const c = colors[top];
          acc[0] += c[0];
          acc[1] += c[1];
          acc[2] += c[2];
          acc[3] += 1;
        }
      const o = (y * SIZE + x) * 4;
      const covered = acc[3];
      image.data[o] = covered ? Math.round(acc[0] / covered) : 0;
      image.data[o + 1] = covered ? Math.round(acc[1] / covered) : 0;
      image.data[o + 2] = covered ? Math.round(acc[2] / covered) : 0;
      image.data[o + 3] = Math.round((255 * covered) / (n * n));
    }
  return PNG.sync.write(image);
}

fs.writeFileSync(path.join(ROOT, 'resources/icons/favicon.svg'), svg());
fs.writeFileSync(path.join(ROOT, 'resources/build/icon.png'), png());
console.log('wrote resources/icons/favicon.svg and resources/build/icon.png');
