import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetError,
  decodeImage,
  loadDataset,
  loadImage,
  resizeBilinear,
  toNchwBatch,
  toPixelValues,
} from '../../../src-main/data/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-images-');
afterAll(tmp.cleanup);

/** A w x h PNG whose pixel (x, y) is (r, g, b) = fill(x, y). */
function png(w: number, h: number, fill: (x: number, y: number) => [number, number, number]): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = fill(x, y);
      p.data.set([r, g, b, 255], (y * w + x) * 4);
    }
  }
  return PNG.sync.write(p);
}

function jpg(w: number, h: number, v: number): Buffer {
  return Buffer.from(jpeg.encode({ width: w, height: h, data: Buffer.alloc(w * h * 4, v) }, 95).data);
}

const root = path.join(tmp.dir, 'pets');
beforeAll(() => {
  for (const [label, n] of [
    ['cat', 5],
    ['dog', 5],
  ] as const) {
    fs.mkdirSync(path.join(root, label), { recursive: true });
    for (let i = 0; i < n; i++) {
      const file = path.join(root, label, `${i}.${i % 2 ? 'jpg' : 'png'}`);
      fs.writeFileSync(
        file,
        i % 2
          ? jpg(6, 4, label === 'cat' ? 40 + i : 200 + i)
          : png(3, 5, () => [i * 10, label === 'cat' ? 0 : 255, 7]),
      );
    }
  }
  fs.writeFileSync(path.join(root, 'cat', 'notes.txt'), 'not an image');
  fs.copyFileSync(path.join(root, 'cat', '0.png'), path.join(root, 'cat', 'copy.png'));
});

describe('images', () => {
  it('decodes PNG and JPEG by content, to RGBA', () => {
    const file = path.join(tmp.dir, 'looks-like.png');
    fs.writeFileSync(file, jpg(2, 2, 128)); // a JPEG with a .png name still decodes
    const img = decodeImage(file);
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(Math.abs((img.rgba[0] as number) - 128)).toBeLessThanOrEqual(2);
  });

  it('resizes bilinearly with half-pixel centres', () => {
    // 2x1 image, red 0 and 255: upscaled to 4 wide the centres fall at x = -0.25, 0.25, 0.75, 1.25 (clamped).
    const img = { width: 2, height: 1, rgba: new Uint8Array([0, 0, 0, 255, 255, 0, 0, 255]) };
    const r = resizeBilinear(img, 4, 1);
    expect(Array.from({ length: 4 }, (_, x) => r.data[x * 3])).toEqual([0, 0.25, 0.75, 1]);
    // Downscaling 2x2 to 1x1 averages the four pixels.
    const sq = {
      width: 2,
      height: 2,
      rgba: new Uint8Array([0, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0]),
    };
    expect(resizeBilinear(sq, 1).data[0]).toBeCloseTo(0.75, 6);
  });

  it('stacks NCHW batches normalised with mean and std', () => {
    const a = { width: 1, height: 2, data: new Float32Array([0, 0.5, 1, 1, 0.5, 0]) };
    const b = { width: 1, height: 2, data: new Float32Array([1, 1, 1, 0, 0, 0]) };
    const batch = toNchwBatch([a, b], { mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 0.5] });
    expect(batch.shape).toEqual([2, 3, 2, 1]);
    // image a: channel R = [0, 1] -> [-1, 1]; G = [0.5, 0.5] -> [0, 0]; B = [1, 0] -> [1, -1]
    expect(Array.from(batch.data.slice(0, 6))).toEqual([-1, 1, 0, 0, 1, -1]);
    expect(Array.from(batch.data.slice(6))).toEqual([1, -1, 2, -2, 1, -1]);
    expect(() => toNchwBatch([a, { ...a, width: 2 }])).toThrow(/batch is 1x2/);
    expect(() => toNchwBatch([a], { mean: [0, 0, 0], std: [1, 0, 1] })).toThrow(RangeError);
  });

  it('gives the training session normalised CHW pixels', () => {
    const file = path.join(root, 'dog', '0.png');
    const pixels = toPixelValues(decodeImage(file), 4);
    expect(pixels).toHaveLength(3 * 16);
    expect(pixels[16]).toBeCloseTo((1 - 0.5) / 0.5, 6); // green 255 everywhere
    expect(Array.from(loadImage(file, 2).data.slice(0, 3))).toEqual([0, 1, 7 / 255].map(Math.fround));
  });

  it('loads a class-folder dataset with a stratified split, hash and duplicate detection', () => {
    const d = loadDataset({ path: root }, { validationFraction: 0.2, seed: 4 });
    expect(d.kind).toBe('image');
    if (d.kind !== 'image') return;
    expect(d.labels).toEqual(['cat', 'dog']);
    expect(d.labelToId).toEqual({ cat: 0, dog: 1 });
    expect(d.images.map((i) => path.relative(root, i.file))).toContain(path.join('cat', 'copy.png'));
    expect(d.images).toHaveLength(11);
    expect(d.validation.filter((i) => i.label === 'cat')).toHaveLength(1);
    expect(d.validation.filter((i) => i.label === 'dog')).toHaveLength(1);
    expect(d.stats).toMatchObject({
      rows: 11,
      labelCounts: { cat: 6, dog: 5 },
      duplicates: 1,
      conflicting: 0,
    });
    expect(d.stats.duplicateExamples).toEqual([['cat/0.png', 'cat/copy.png']]);
    expect(d.warnings[0]).toMatch(/ignored 1 file.*cat\/notes\.txt/);
    expect(d.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(loadDataset({ path: root }).contentHash).toBe(d.contentHash);
  });

  it('fails on a corrupt image before anything is returned, naming the image', () => {
    const bad = path.join(tmp.dir, 'bad');
    fs.cpSync(root, bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'dog', '3.jpg'), Buffer.concat([jpg(6, 4, 1).subarray(0, 30)]));
    let err: unknown;
    try {
      loadDataset({ path: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).file).toBe(path.join(bad, 'dog', '3.jpg'));
    expect((err as DatasetError).message).toMatch(/is a corrupt JPEG image/);
  });
});
