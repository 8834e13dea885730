/**
 * Draws a generated scene into RGB pixels: a dark two-colour gradient background and `count` shapes with
 * anti-aliased edges (4x4 supersampling), in the scene's colour and texture. Smooth backgrounds keep the PNGs
 * small, so 20,000 of them travel to the GPU machine that pretrains the studio's CLIP.
 */
import type { Rng } from '../rng.ts';
import { COLOUR_RGB } from './concepts.ts';
import type { Position, Scene, Shape, Texture } from './concepts.ts';

/** Whether the point (u, v), in units of the shape's radius from its centre (v pointing down), is inside. */
const INSIDE: Record<Shape, (u: number, v: number) => boolean> = {
  circle: (u, v) => u * u + v * v <= 1,
  ring: (u, v) => {
    const d = u * u + v * v;
    return d <= 1 && d >= 0.3;
  },
  square: (u, v) => Math.abs(u) <= 0.85 && Math.abs(v) <= 0.85,
  diamond: (u, v) => Math.abs(u) + Math.abs(v) <= 1,
  // Apex up; the base is wider than the height so that the triangle fills its circle like the others.
  triangle: (u, v) => v >= -0.9 && v <= 0.8 && Math.abs(u) <= (0.95 * (v + 0.9)) / 1.7,
  cross: (u, v) => (Math.abs(u) <= 0.3 && Math.abs(v) <= 0.95) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 0.95),
  heart: (u, v) => {
    const x = u * 1.15;
    const y = -v * 1.15 + 0.1;
    const a = x * x + y * y - 1;
    return a * a * a - x * x * y * y * y <= 0;
  },
};

/** Texture intensity at a pixel: 1 keeps the colour, less darkens it (stripes and checks of 2-pixel period). */
function shade(texture: Texture, x: number, y: number): number {
  if (texture === 'striped') return Math.floor((x + y) / 2) % 2 === 0 ? 1 : 0.6;
  if (texture === 'checkered') return (Math.floor(x / 2) + Math.floor(y / 2)) % 2 === 0 ? 1 : 0.6;
  return 1;
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + rng.next() * (hi - lo);

/** The centre of a single object at `position`, `r` from the edges. */
function placeOne(rng: Rng, position: Position, size: number, r: number): [number, number] {
  const edge = r + 0.5;
  const near = Math.max(edge, size * 0.3);
  const far = Math.min(size - edge, size * 0.7);
  const mid = (): number => uniform(rng, size * 0.4, size * 0.6);
  switch (position) {
    case 'left':
      return [uniform(rng, edge, near), mid()];
    case 'right':
      return [uniform(rng, far, size - edge), mid()];
    case 'top':
      return [mid(), uniform(rng, edge, near)];
    case 'bottom':
      return [mid(), uniform(rng, far, size - edge)];
    case 'middle':
      return [mid(), mid()];
  }
}

/** Centres of `count` objects of radius `r` that do not touch, or null after too many tries. */
function scatter(rng: Rng, count: number, size: number, r: number): [number, number][] | null {
  const centres: [number, number][] = [];
  for (let tries = 0; centres.length < count && tries < 400; tries++) {
    const c: [number, number] = [
      uniform(rng, r + 0.5, size - r - 0.5),
      uniform(rng, r + 0.5, size - r - 0.5),
    ];
    if (centres.every(([x, y]) => Math.hypot(x - c[0], y - c[1]) >= 2 * r + 1)) centres.push(c);
  }
  return centres.length === count ? centres : null;
}

/** The scene as `size` x `size` RGB bytes (row-major, 3 per pixel); the same rng state gives the same pixels. */
export function renderScene(scene: Scene, size: number, rng: Rng): Uint8Array {
  const px = new Uint8Array(size * size * 3);
  const top = [0, 1, 2].map(() => rng.nextInt(70));
  const bottom = [0, 1, 2].map(() => rng.nextInt(70));
  for (let y = 0; y < size; y++) {
    const t = y / (size - 1);
    for (let x = 0; x < size; x++)
      for (let ch = 0; ch < 3; ch++)
        px[(y * size + x) * 3 + ch] = Math.round((top[ch] as number) * (1 - t) + (bottom[ch] as number) * t);
  }
  const scale = size / 32;
  let r = scene.count === 1 ? uniform(rng, 5.5, 8) * scale : uniform(rng, 4, 5.5) * scale;
  let centres: [number, number][] | null = null;
  if (scene.position !== 'any') centres = [placeOne(rng, scene.position, size, r)];
  while (!centres) {
    centres = scatter(rng, scene.count, size, r);
    if (!centres) r *= 0.9;
  }
  const base = COLOUR_RGB[scene.colour];
  const colour = base.map((c) => Math.max(0, Math.min(255, c + rng.nextInt(31) - 15)));
  const inside = INSIDE[scene.shape];
  const SS = 4;
  for (const [cx, cy] of centres) {
    const x0 = Math.max(0, Math.floor(cx - r - 1));
    const x1 = Math.min(size - 1, Math.ceil(cx + r + 1));
    const y0 = Math.max(0, Math.floor(cy - r - 1));
    const y1 = Math.min(size - 1, Math.ceil(cy + r + 1));
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) {
        let hits = 0;
        for (let sy = 0; sy < SS; sy++)
          for (let sx = 0; sx < SS; sx++)
            if (inside((x + (sx + 0.5) / SS - cx) / r, (y + (sy + 0.5) / SS - cy) / r)) hits++;
        if (hits === 0) continue;
        const a = hits / (SS * SS);
        const k = shade(scene.texture, x, y);
        for (let ch = 0; ch < 3; ch++) {
          const i = (y * size + x) * 3 + ch;
          px[i] = Math.round((px[i] as number) * (1 - a) + (colour[ch] as number) * k * a);
        }
      }
  }
  return px;
}
