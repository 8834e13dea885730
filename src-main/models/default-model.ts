import fs from 'node:fs';
import path from 'node:path';
import { APP_ROOT } from '../app/package-info.ts';

/**
 * The bundled default base model: a small uncased BERT (4 layers, d=256, 4 heads, 5.4M parameters, float16 on disk)
 * that the project pretrained itself with masked-language modelling (tools/default-model/make_default_model.py;
 * models/studio-bert-small/README.md is its card). Configs name it as "default".
 */
export const DEFAULT_MODEL = 'default';
export const DEFAULT_MODEL_DIR = path.join(APP_ROOT, 'models/studio-bert-small');

/**
 * The bundled decoder: a small GPT-2 the project pretrained itself on Moby-Dick with causal language modelling
 * (tools/default-decoder/make_default_decoder.py; models/studio-gpt2-small/README.md is its card), so generation
 * works out of the box. Configs name it "default-decoder".
 */
export const DEFAULT_DECODER = 'default-decoder';
export const DEFAULT_DECODER_DIR = path.join(APP_ROOT, 'models/studio-gpt2-small');

/** Whether the decoder's folder is in this checkout or package (it is made on a machine with torch). */
export const hasDefaultDecoder = (): boolean => fs.existsSync(path.join(DEFAULT_DECODER_DIR, 'config.json'));

/**
 * The bundled CLIP: a small CLIPModel (ViT on 32x32 pictures, patch 4; 1.26M parameters, float16) that the project
 * pretrained on the image-caption pairs it generates (src-main/data/shapes; tools/default-clip/make_default_clip.py;
 * models/studio-clip-small/README.md is its card). Heart and pink were held out of pretraining for adapters to teach.
 */
export const STUDIO_CLIP = 'studio-clip-small';
export const STUDIO_CLIP_DIR = path.join(APP_ROOT, 'models/studio-clip-small');

/** A model folder as configs give it: "default", "default-decoder" and "studio-clip-small" are the bundled models. */
export function resolveModelDir(model: string): string {
  if (model === DEFAULT_MODEL) return DEFAULT_MODEL_DIR;
  if (model === DEFAULT_DECODER) return DEFAULT_DECODER_DIR;
  if (model === STUDIO_CLIP) return STUDIO_CLIP_DIR;
  return model;
}

/** The bundled folders. */
export const isBundledModelDir = (dir: string): boolean =>
  dir === DEFAULT_MODEL_DIR || dir === DEFAULT_DECODER_DIR || dir === STUDIO_CLIP_DIR;
