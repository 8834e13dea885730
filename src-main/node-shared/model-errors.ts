import { UserError } from '../errors.ts';

/**
 * A model folder's user-facing errors: plain classes, no tf.js, so main's header-only reads (models:info, the
 * tokenizer files) throw the same ones as the engine (models/base/errors.ts re-exports them).
 */
/** A model folder that cannot be loaded: an unsupported option, a missing file, weights that do not fit. */
export class ModelLoadError extends UserError {
  override name = 'ModelLoadError';
}

export class ModelConfigError extends UserError {
  override name = 'ModelConfigError';
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

/** Inputs a model cannot take (text for an image model, the wrong image size): the user picked the wrong file. */
export class ModelInputError extends UserError {
  override name = 'ModelInputError';
}
