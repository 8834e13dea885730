import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { listImageFolder } from '../../../src-main/data/images.ts';
import { Rng } from '../../../src-main/data/rng.ts';
import {
  COLOURS,
  COLOUR_RGB,
  DEFAULT_HOLDOUT,
  SHAPES,
  caption,
  sceneSampler,
} from '../../../src-main/data/shapes/concepts.ts';
import { renderScene } from '../../../src-main/data/shapes/render.ts';
import { writeCaptionFolder, writeClassFolder } from '../../../src-main/data/shapes/write.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('shapes-');
afterAll(tmp.cleanup);

const readCsv = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('generated image-caption data', () => {
  const a = path.join(tmp.dir, 'a');
  const b = path.join(tmp.dir, 'b');
  const c = path.join(tmp.dir, 'c');
  writeCaptionFolder(a, { n: 300, seed: 0, choice: { holdout: DEFAULT_HOLDOUT } });
  writeCaptionFolder(b, { n: 310, seed: 0, choice: { holdout: DEFAULT_HOLDOUT } });
  writeCaptionFolder(c, { n: 300, seed: 1, choice: { holdout: DEFAULT_HOLDOUT } });
  const rows = readCsv(path.join(a, 'captions.csv'));

  it('is deterministic by seed, and image i depends on (seed, i) alone', () => {
    const file = 'images/000123.png';
    expect(fs.readFileSync(path.join(b, file))).toEqual(fs.readFileSync(path.join(a, file)));
    expect(fs.readFileSync(path.join(c, file))).not.toEqual(fs.readFileSync(path.join(a, file)));
    expect(readCsv(path.join(b, 'captions.csv')).slice(0, 301)).toEqual(rows);
  });

  it('writes a CSV of image, caption and concepts, and never shows a held-out concept', () => {
    expect(rows[0]).toEqual(['image', 'caption', 'shape', 'colour', 'count', 'position', 'texture']);
    expect(rows).toHaveLength(301);
    const body = rows.slice(1);
    for (const [image, text, shape, colour, count, position] of body) {
      expect(fs.existsSync(path.join(a, image as string))).toBe(true);
      expect(DEFAULT_HOLDOUT).not.toContain(shape);
      expect(DEFAULT_HOLDOUT).not.toContain(colour);
      for (const h of DEFAULT_HOLDOUT) expect(text).not.toContain(h);
      // A caption names no other colour than the scene's, and its shape unless it says only "shape(s)".
      for (const other of COLOURS)
        if (other !== colour) expect(text).not.toMatch(new RegExp(`\\b${other}\\b`));
      expect(text).toMatch(new RegExp(`\\b(${shape}|shape)`));
      expect(position === 'any').toBe(count !== '1');
    }
    // Every pretrained shape and colour occurs.
    const shapes = new Set(body.map((r) => r[2]));
    const colours = new Set(body.map((r) => r[3]));
    expect(shapes.size).toBe(SHAPES.length - 1);
    expect(colours.size).toBe(COLOURS.length - 1);
  });

  it('keeps the PNGs small (they travel to the machine that pretrains the CLIP)', () => {
    const total = fs
      .readdirSync(path.join(a, 'images'))
      .reduce((s, f) => s + fs.statSync(path.join(a, 'images', f)).size, 0);
    expect(total / 300).toBeLessThan(1000);
  });

  it('draws the shape in its colour where it says', () => {
    const scene = {
      shape: 'square',
      colour: 'blue',
      texture: 'solid',
      count: 1,
      position: 'middle',
    } as const;
    const px = renderScene(scene, 32, new Rng(3));
    const centre = (16 * 32 + 16) * 3;
    const rgb = [px[centre], px[centre + 1], px[centre + 2]] as number[];
    COLOUR_RGB.blue.forEach((v, ch) => expect(Math.abs((rgb[ch] as number) - v)).toBeLessThanOrEqual(15));
    // The left-hand edge is background (dark), not the square.
    const left = (16 * 32 + 1) * 3;
    expect(Math.max(px[left] as number, px[left + 1] as number, px[left + 2] as number)).toBeLessThan(75);
    const onLeft = renderScene({ ...scene, position: 'left' }, 32, new Rng(3));
    let sumX = 0;
    let hits = 0;
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++)
        if ((onLeft[(y * 32 + x) * 3 + 2] as number) > 150) {
          sumX += x;
          hits++;
        }
    expect(hits).toBeGreaterThan(20);
    expect(sumX / hits).toBeLessThan(32 * 0.35);
  });

  it('says the count and uses "an" before a vowel', () => {
    const rng = new Rng(9);
    const texts = Array.from({ length: 200 }, () =>
      caption({ shape: 'ring', colour: 'orange', texture: 'solid', count: 3, position: 'any' }, rng),
    );
    for (const t of texts) expect(t).toMatch(/\bthree\b/);
    const singles = Array.from({ length: 200 }, () =>
      caption({ shape: 'circle', colour: 'orange', texture: 'solid', count: 1, position: 'top' }, rng),
    );
    expect(singles.some((t) => t.includes('an orange circle'))).toBe(true);
    for (const t of singles) expect(t).not.toContain('a orange');
  });

  it('rejects unknown concepts and an empty choice', () => {
    expect(() => sceneSampler({ shapes: ['hexagon'] })).toThrow(/unknown shape "hexagon"/);
    expect(() => sceneSampler({ colours: ['pink'], holdout: [] })).not.toThrow();
    expect(() => sceneSampler({ textures: [] })).toThrow(/no texture left/);
  });
});

describe('few-shot class folders', () => {
  it('writes one sub-folder per value, held-out values included when named, that the image lister reads', () => {
    const dir = path.join(tmp.dir, 'few');
    const r = writeClassFolder(dir, 'shape', {
      n: 5,
      seed: 2,
      choice: { shapes: ['heart', 'circle', 'square'], holdout: DEFAULT_HOLDOUT },
    });
    expect(r).toEqual({ classes: ['heart', 'circle', 'square'], images: 15 });
    const listed = listImageFolder(dir);
    expect(listed.labels).toEqual(['circle', 'heart', 'square']);
    expect(listed.items).toHaveLength(15);
    const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'heart', '000000.png')));
    expect([png.width, png.height]).toEqual([32, 32]);
    // Adding a class leaves the others' images unchanged.
    const dir2 = path.join(tmp.dir, 'few2');
    writeClassFolder(dir2, 'shape', {
      n: 5,
      seed: 2,
      choice: { shapes: ['heart', 'circle'], holdout: DEFAULT_HOLDOUT },
    });
    expect(fs.readFileSync(path.join(dir2, 'circle', '000004.png'))).toEqual(
      fs.readFileSync(path.join(dir, 'circle', '000004.png')),
    );
    expect(() => writeClassFolder(dir2, 'colour', { n: 1, seed: 0, choice: { colours: ['red'] } })).toThrow(
      /at least two colour values/,
    );
  });
});
