/**
 * Generates the studio's image-caption data (src-main/data/shapes): shapes, colours, positions, counts and textures.
 *
 *   npx tsx scripts/make-clip-data.ts OUT --n 20000 --seed 0
 *       OUT/images/*.png, OUT/captions.csv (image,caption,shape,colour,count,position,texture), OUT/concepts.json:
 *       the pretraining data of the studio's CLIP (tools/default-clip/make_default_clip.py). The concepts in
 *       --holdout (default heart,pink; "none" for none) never appear.
 *   npx tsx scripts/make-clip-data.ts OUT --by shape --shapes heart,circle,square --n 16 --seed 1
 *       OUT/<class>/*.png, n images per class: an image-classification folder (a few-shot set; named values are
 *       drawn even when held out).
 *
 * Other options: --size (pixels, default 32), --colours, --textures, --counts (comma-separated subsets).
 */
import { parseArgs } from 'node:util';
import { UserError } from '../src-main/errors.ts';
import { DEFAULT_HOLDOUT } from '../src-main/data/shapes/concepts.ts';
import { writeCaptionFolder, writeClassFolder } from '../src-main/data/shapes/write.ts';
import type { ClassConcept } from '../src-main/data/shapes/write.ts';

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      n: { type: 'string', default: '20000' },
      seed: { type: 'string', default: '0' },
      size: { type: 'string', default: '32' },
      holdout: { type: 'string' },
      by: { type: 'string' },
      shapes: { type: 'string' },
      colours: { type: 'string' },
      textures: { type: 'string' },
      counts: { type: 'string' },
    },
  });
  const out = positionals[0];
  if (!out || positionals.length > 1)
    throw new UserError(
      'usage: make-clip-data.ts OUT [--n N] [--seed S] [--by shape|colour|texture|count] ...',
    );
  const holdout = values.holdout === 'none' ? [] : (list(values.holdout) ?? [...DEFAULT_HOLDOUT]);
  const options = {
    n: Number(values.n),
    seed: Number(values.seed),
    size: Number(values.size),
    choice: {
      shapes: list(values.shapes),
      colours: list(values.colours),
      textures: list(values.textures),
      counts: list(values.counts)?.map(Number),
      holdout,
    },
  };
  const t0 = Date.now();
  if (values.by !== undefined) {
    if (!['shape', 'colour', 'texture', 'count'].includes(values.by))
      throw new UserError(`--by must be shape, colour, texture or count (got ${values.by})`);
    const r = writeClassFolder(out, values.by as ClassConcept, options);
    console.log(
      `wrote ${r.images} images in ${r.classes.length} classes (${r.classes.join(', ')}) to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  } else {
    const r = writeCaptionFolder(out, options);
    console.log(
      `wrote ${r.images} images and ${r.csv} in ${((Date.now() - t0) / 1000).toFixed(1)} s (held out: ${holdout.join(', ') || 'none'})`,
    );
  }
}

try {
  main();
} catch (err) {
  console.error(err instanceof UserError ? err.message : err);
  process.exit(1);
}
