/** Image folders (one sub-folder per class), decoded with pngjs / jpeg-js and resized for the model. */
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DatasetError } from './errors.ts';
import type { ImageItem } from './types.ts';

const EXT = new Set(['.png', '.jpg', '.jpeg']);

export function listImageFolder(dir: string): { items: ImageItem[]; labels: string[] } {
  const labels = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (labels.length < 2) throw new DatasetError(dir, 'an image dataset needs at least two class sub-folders');
  const items: ImageItem[] = [];
  for (const label of labels) {
    const files = fs
      .readdirSync(path.join(dir, label))
      .filter((f) => EXT.has(path.extname(f).toLowerCase()))
      .sort();
    if (files.length === 0) throw new DatasetError(path.join(dir, label), 'has no .png or .jpg images');
    for (const f of files) items.push({ file: path.join(dir, label, f), label });
  }
  return { items, labels };
}

/** RGB bytes of an image file; a corrupt or unreadable file is an error naming it. */
export function decodeImage(file: string): { width: number; height: number; rgba: Uint8Array } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new DatasetError(file, 'cannot read the image');
  }
  try {
    if (path.extname(file).toLowerCase() === '.png') {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, rgba: img.data };
  } catch (err) {
    throw new DatasetError(file, `not a readable image (${(err as Error).message.split('\n')[0]})`);
  }
}

/** Bilinear resize to size x size and normalise per channel: CHW float32, as transformers' image processors. */
export function toPixelValues(
  img: { width: number; height: number; rgba: Uint8Array },
  size: number,
  mean = [0.5, 0.5, 0.5],
  std = [0.5, 0.5, 0.5],
): Float32Array {
  const out = new Float32Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(img.height - 1, ((y + 0.5) * img.height) / size - 0.5);
    const y0 = Math.max(0, Math.floor(sy));
    const y1 = Math.min(img.height - 1, y0 + 1);
    const fy = Math.max(0, sy - y0);
    for (let x = 0; x < size; x++) {
      const sx = Math.min(img.width - 1, ((x + 0.5) * img.width) / size - 0.5);
      const x0 = Math.max(0, Math.floor(sx));
      const x1 = Math.min(img.width - 1, x0 + 1);
      const fx = Math.max(0, sx - x0);
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => (img.rgba[(yy * img.width + xx) * 4 + c] as number) / 255;
        const v =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
          fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        out[c * size * size + y * size + x] = (v - (mean[c] as number)) / (std[c] as number);
      }
    }
  }
  return out;
}
