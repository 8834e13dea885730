// The classes live in node-shared/ (no tf.js): main's tokenizer and header reads throw them too.
export { ModelConfigError, ModelInputError, ModelLoadError } from '../../node-shared/model-errors.ts';
