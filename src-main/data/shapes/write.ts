/**
 * Writes generated scenes as files: a caption folder (images/*.png + captions.csv with each image's caption and
 * concept labels, what the studio's CLIP is pretrained on) or an image-classification folder (one sub-folder per
 * value of one concept, the few-shot sets). Image i depends on (seed, i) alone, so a larger n extends a smaller one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { UserError } from '../../errors.ts';
import { Rng, mixSeed } from '../rng.ts';
import { COLOURS, COUNTS, POSITIONS, SHAPES, TEXTURES, caption, sceneSampler } from './concepts.ts';
import type { ConceptChoice, Scene } from './concepts.ts';
import { renderScene } from './render.ts';

export interface GenerateOptions {
  /** How many images (per class, for a class folder). */
  n: number;
  seed: number;
  /** Width and height in pixels. */
  size?: number;
  choice?: ConceptChoice;
}

/** The CSV columns: the image's path relative to the folder, its caption, then its concepts. */
export const CAPTION_COLUMNS = [
  'image',
  'caption',
  'shape',
  'colour',
  'count',
  'position',
  'texture',
] as const;

/**
 * PNG without row filters (filter type 0), RGB: any PNG reader opens it, and the pretraining script decodes it
 * with zlib alone where Pillow is missing.
 */
export function encodePng(rgb: Uint8Array, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) {
    png.data[i * 4] = rgb[i * 3] as number;
    png.data[i * 4 + 1] = rgb[i * 3 + 1] as number;
    png.data[i * 4 + 2] = rgb[i * 3 + 2] as number;
    png.data[i * 4 + 3] = 255;
  }
  // pngjs defaults to the RLE deflate strategy, which barely compresses RGB triples; the default one packs 4x.
  return PNG.sync.write(png, { colorType: 2, filterType: 0, deflateLevel: 9, deflateStrategy: 0 });
}

function checkOptions(o: GenerateOptions): number {
  if (!Number.isInteger(o.n) || o.n < 1) throw new UserError(`--n must be a positive integer (got ${o.n})`);
  if (!Number.isInteger(o.seed)) throw new UserError(`--seed must be an integer (got ${o.seed})`);
  const size = o.size ?? 32;
  if (!Number.isInteger(size) || size < 16 || size > 256)
    throw new UserError(`--size must be an integer from 16 to 256 (got ${size})`);
  return size;
}

/** Scene i of the stream (seed, stream): its concepts, caption and pixels. */
function makeItem(
  sample: (rng: Rng) => Scene,
  seed: number,
  i: number,
  size: number,
): { scene: Scene; caption: string; png: Buffer } {
  const rng = new Rng(mixSeed(seed, i));
  const scene = sample(rng);
  return { scene, caption: caption(scene, rng), png: encodePng(renderScene(scene, size, rng), size) };
}

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Writes OUT/images/000000.png ..., OUT/captions.csv and OUT/concepts.json (what was drawn and held out). */
export function writeCaptionFolder(out: string, o: GenerateOptions): { images: number; csv: string } {
  const size = checkOptions(o);
  const sample = sceneSampler(o.choice);
  fs.mkdirSync(path.join(out, 'images'), { recursive: true });
  const rows = [CAPTION_COLUMNS.join(',')];
  const digits = Math.max(6, String(o.n - 1).length);
  for (let i = 0; i < o.n; i++) {
    const item = makeItem(sample, o.seed, i, size);
    const file = `images/${String(i).padStart(digits, '0')}.png`;
    fs.writeFileSync(path.join(out, file), item.png);
    const s = item.scene;
    rows.push([file, item.caption, s.shape, s.colour, s.count, s.position, s.texture].map(csvCell).join(','));
  }
  const csv = path.join(out, 'captions.csv');
  fs.writeFileSync(csv, rows.join('\n') + '\n');
  writeConcepts(out, o, size);
  return { images: o.n, csv };
}

/** The concept a class folder is split by. */
export type ClassConcept = 'shape' | 'colour' | 'texture' | 'count';

const CHOICE_KEY = { shape: 'shapes', colour: 'colours', texture: 'textures', count: 'counts' } as const;
const ALL = { shape: SHAPES, colour: COLOURS, texture: TEXTURES, count: COUNTS } as const;

/**
 * Writes OUT/<value>/000000.png ...: `n` images for each value of `by` that the choice allows (held-out values
 * included when asked for by name, which is how a few-shot set of held-out concepts is made). Class c uses the
 * stream (seed, c), so adding a class leaves the others' images as they were.
 */
export function writeClassFolder(
  out: string,
  by: ClassConcept,
  o: GenerateOptions,
): { classes: string[]; images: number } {
  const size = checkOptions(o);
  const key = CHOICE_KEY[by];
  const asked = o.choice?.[key] as readonly (string | number)[] | undefined;
  const holdout = o.choice?.holdout ?? [];
  // Values named explicitly override the holdout for this concept; otherwise all allowed values.
  const values = (
    asked ?? (ALL[by] as readonly (string | number)[]).filter((v) => !holdout.includes(String(v)))
  ).map(String);
  if (values.length < 2)
    throw new UserError(`a class folder needs at least two ${by} values (got ${values.length})`);
  let images = 0;
  for (const value of values) {
    const idx = (ALL[by] as readonly (string | number)[]).findIndex((v) => String(v) === value);
    if (idx < 0) throw new UserError(`unknown ${by} "${value}" (known: ${ALL[by].join(', ')})`);
    const sample = sceneSampler({
      ...o.choice,
      [key]: [by === 'count' ? Number(value) : value],
    });
    const dir = path.join(out, value);
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < o.n; i++) {
      fs.writeFileSync(
        path.join(dir, `${String(i).padStart(6, '0')}.png`),
        makeItem(sample, mixSeed(o.seed, idx), i, size).png,
      );
      images++;
    }
  }
  writeConcepts(out, o, size, by);
  return { classes: values, images };
}

function writeConcepts(out: string, o: GenerateOptions, size: number, by?: ClassConcept): void {
  const concepts = {
    generator: 'src-main/data/shapes (Adapter Studio)',
    n: o.n,
    seed: o.seed,
    size,
    ...(by ? { classesBy: by } : {}),
    choice: o.choice ?? {},
    vocabulary: {
      shapes: SHAPES,
      colours: COLOURS,
      positions: POSITIONS,
      textures: TEXTURES,
      counts: COUNTS,
    },
  };
  // Class folders hold only sub-folders of images; the description goes beside them as a dotfile the lister skips.
  const file = by ? '.concepts.json' : 'concepts.json';
  fs.writeFileSync(path.join(out, file), JSON.stringify(concepts, null, 1) + '\n');
}
