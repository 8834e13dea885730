/**
 * What the pre-flight tests (training/preflight/: size caps, memory budget, GPU fit) share: a run's config built
 * from only the parts a check reads, and the message of the user error a check refuses with.
 */
import { expect } from 'vitest';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
// The method registry the train-config schema is built from.
import '../../src-main/adapters/index.ts';
import { UserError } from '../../src-main/errors.ts';
import type { ModelDims } from '../../src-main/training/preflight/index.ts';

export const MB = 2 ** 20;
export const GB = 2 ** 30;

/**
 * A run's config parsed as the studio parses one (defaults filled in); project, model and dataset are placeholders
 * because the checks read only the method and the training options.
 */
export function preflightConfig(method: object, train: object = {}): TrainConfig {
  return trainConfigSchema.parse({ project: 'p', model: 'm', dataset: { path: 'd.csv' }, method, train });
}

/** The message `fn` refuses with; fails the test unless it throws, and throws the user-error type. */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

/** BERT-base's dimensions as the pre-flight reads a model (12 layers of 768, LoRA on query and value). */
export const BERT_BASE_DIMS: ModelDims = {
  inputKind: 'text',
  hiddenSize: 768,
  numLayers: 12,
  numHeads: 12,
  kvHeads: 12,
  vocabSize: 30522,
  maxPositions: 512,
  ffnSize: 3072,
  imageTokens: 0,
  totalParams: 109_483_778,
  outputsPerToken: 2,
  causalLm: false,
  loraTargetWidths: Array.from({ length: 24 }, () => 768),
};
