/** Where the reference fixtures live: ../shared beside the checkout, as on CI and every developer machine. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DIR = path.resolve(REPO_ROOT, '../shared');
export const HF_TINY_DIR = path.join(SHARED_DIR, 'fixtures/hf-tiny');
/** Fixtures this project generated itself (other sizes, options and seeds). */
export const OWN_FIXTURES_DIR = path.join(REPO_ROOT, 'test/fixtures');

export const HF_TINY_MODELS = [
  'bert-seqcls',
  'distilbert-seqcls',
  'roberta-seqcls',
  'gpt2-lm',
  'llama-lm',
  'vit-imgcls',
  'resnet-imgcls',
] as const;
export type HfTinyModel = (typeof HF_TINY_MODELS)[number];
