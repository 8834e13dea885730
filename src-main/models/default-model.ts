import path from 'node:path';
import { APP_ROOT } from '../app/package-info.ts';

/**
 * The bundled default base model: a small uncased BERT (4 layers, d=256, 4 heads, 5.4M parameters, float16 on disk)
 * that the project pretrained itself with masked-language modelling (tools/default-model/make_default_model.py;
 * models/studio-bert-small/README.md is its card). Configs name it as "default".
 */
export const DEFAULT_MODEL = 'default';
export const DEFAULT_MODEL_DIR = path.join(APP_ROOT, 'models/studio-bert-small');

/** A model folder as configs give it: "default" is the bundled model. */
export function resolveModelDir(model: string): string {
  return model === DEFAULT_MODEL ? DEFAULT_MODEL_DIR : model;
}
