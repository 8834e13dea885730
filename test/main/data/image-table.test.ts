import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src-main/data/load.ts';
import type { ImageDataset } from '../../../src-main/data/types.ts';
import { DEFAULT_HOLDOUT } from '../../../src-main/data/shapes/concepts.ts';
import { writeCaptionFolder } from '../../../src-main/data/shapes/write.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('image-table-');
afterAll(tmp.cleanup);
const dir = path.join(tmp.dir, 'captions');
writeCaptionFolder(dir, {
  n: 40,
  seed: 4,
  choice: { shapes: ['circle', 'square'], holdout: DEFAULT_HOLDOUT },
});
const csv = path.join(dir, 'captions.csv');

describe('an image dataset from a CSV of image paths and captions', () => {
  it('labels each image by the named column (a concept), its paths relative to the table', () => {
    const d = loadDataset({ path: csv, image: 'image', label: 'shape' }, { seed: 1 }) as ImageDataset;
    expect(d.kind).toBe('image');
    expect(d.labels).toEqual(['circle', 'square']);
    expect(d.images).toHaveLength(40);
    expect(d.train.length + d.validation.length).toBe(40);
    expect(d.images[0]?.file).toBe(path.join(dir, 'images', '000000.png'));
    const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    expect(d.images.map((i) => i.label)).toEqual(rows.map((r) => r.split(',')[2]));
  });

  it('takes the caption as the label (each distinct caption a class)', () => {
    const d = loadDataset({ path: csv, image: 'image', label: 'caption' }, { seed: 1 }) as ImageDataset;
    const captions = new Set(
      fs
        .readFileSync(csv, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((r) => r.split(',')[1]),
    );
    expect(d.labels).toEqual([...captions].sort());
  });

  it('names the row and column of a mistake', () => {
    expect(() => loadDataset({ path: csv, image: 'picture', label: 'shape' })).toThrow(
      /column "picture" not found/,
    );
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'image,label\nimages/000000.png,a\nimages/missing.png,b\n');
    expect(() => loadDataset({ path: bad, image: 'image' })).toThrow(/missing\.png/);
  });
});
