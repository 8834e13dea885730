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

/** A model folder as configs give it: "default" and "default-decoder" are the bundled models. */
export function resolveModelDir(model: string): string {
  if (model === DEFAULT_MODEL) return DEFAULT_MODEL_DIR;
  if (model === DEFAULT_DECODER) return DEFAULT_DECODER_DIR;
  return model;
}

/** The bundled folders. */
export const isBundledModelDir = (dir: string): boolean =>
  dir === DEFAULT_MODEL_DIR || dir === DEFAULT_DECODER_DIR;
