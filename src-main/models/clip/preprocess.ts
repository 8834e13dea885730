/** CLIP's image normalisation, read from a model folder (no tf.js: the training data path reads it too). */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.ts';

/** CLIPImageProcessor's defaults (OpenAI's training statistics), used when the folder has no preprocessor_config.json. */
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

const triple = (v: unknown): number[] | null =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? (v as number[]) : null;

/** The image normalisation of a model folder: its preprocessor_config.json, else CLIP's. */
export function imageNormalisation(dir: string): { mean: number[]; std: number[] } {
  const file = path.join(dir, 'preprocessor_config.json');
  if (!fs.existsSync(file)) return { mean: CLIP_MEAN, std: CLIP_STD };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return { mean: triple(raw.image_mean) ?? CLIP_MEAN, std: triple(raw.image_std) ?? CLIP_STD };
}
