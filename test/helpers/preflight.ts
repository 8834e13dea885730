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
