import path from 'node:path';
import { APP_ROOT } from '../app/package-info.ts';

/**
 * The bundled default base model: a small uncased BERT (4 layers, d=256, 4 heads, 5.4M parameters, float16 on disk)
 * that the project pretrained itself with masked-language modelling (tools/default-model/make_default_model.py;
 * models/studio-bert-small/README.md is its card). Configs name it as "default".
 */
export const DEFAULT_MODEL = 'default';
export const DEFAULT_MODEL_DIR = path.join(APP_ROOT, 'models/studio-bert-small');

/** A model folder as configs give it: "default" is the bundled model, "studio-clip-small" the bundled CLIP. */
export function resolveModelDir(model: string): string {
  return model === DEFAULT_MODEL ? DEFAULT_MODEL_DIR : model === STUDIO_CLIP ? STUDIO_CLIP_DIR : model;
}

/**
 * The bundled CLIP: a small CLIPModel (ViT on 32x32 pictures, patch 4; 1.26M parameters, float16) that the project
 * pretrained on the image-caption pairs it generates (src-main/data/shapes; tools/default-clip/make_default_clip.py;
 * models/studio-clip-small/README.md is its card). Heart and pink were held out of pretraining for adapters to teach.
 */
export const STUDIO_CLIP = 'studio-clip-small';
export const STUDIO_CLIP_DIR = path.join(APP_ROOT, 'models/studio-clip-small');
