/** Loading Hugging Face model folders: importing this module registers every architecture. */
import './bert/index.ts';
import './clip/index.ts';
import './distilbert/index.ts';
import './gpt2/index.ts';
import './llama/index.ts';
import './resnet/index.ts';
import './roberta/index.ts';
import './vit/index.ts';
import { loadWithRegistry } from './base/registry.ts';
import type { Model } from './base/types.ts';
import type { HeadOverride } from './base/new-head.ts';

export { supportedModelTypes } from './base/registry.ts';
export type { Model, ModelInputs, ModelOutputs, ForwardOptions } from './base/types.ts';
export type { ForwardHooks } from './base/hooks.ts';
export type { HeadOverride } from './base/new-head.ts';

/**
 * Loads config.json + model.safetensors (or shards) from a folder. With `head`, a checkpoint without a
 * classification head (masked-LM, causal LM, bare encoder) gets a fresh one for those labels (base/new-head.ts).
 */
export function loadModel(dir: string, head?: HeadOverride): Model {
  return loadWithRegistry(dir, head);
}
