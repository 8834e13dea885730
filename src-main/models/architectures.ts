/**
 * Every architecture's declaration (models/<arch>/spec.ts), by model_type. Pure data: importing this loads no
 * graph and no tf.js, so the main process, export and the Models page can ask what an architecture is.
 * models/index.ts registers the matching loaders; a test holds the two lists equal.
 */
import { bertSpec } from './bert/spec.ts';
import { clipSpec } from './clip/spec.ts';
import { distilBertSpec } from './distilbert/spec.ts';
import { gpt2Spec } from './gpt2/spec.ts';
import { llamaSpec } from './llama/spec.ts';
import { resnetSpec } from './resnet/spec.ts';
import { robertaSpec, xlmRobertaSpec } from './roberta/spec.ts';
import { vitSpec } from './vit/spec.ts';
import type { ArchitectureSpec, HookName } from './base/spec.ts';
import { UserError } from '../errors.ts';

export type { AdapterHubNames, ArchitectureSpec, HookName } from './base/spec.ts';

export const ARCHITECTURES: readonly ArchitectureSpec[] = [
  bertSpec,
  clipSpec,
  distilBertSpec,
  gpt2Spec,
  llamaSpec,
  resnetSpec,
  robertaSpec,
  xlmRobertaSpec,
  vitSpec,
];

const byType = new Map(ARCHITECTURES.map((a) => [a.modelType, a]));

/** The declaration for a model_type, or undefined for one no folder reads. */
export const findArchitecture = (modelType: string): ArchitectureSpec | undefined => byType.get(modelType);

/** The declaration of a loaded model's architecture (every loaded model has one: the loader is registered with it). */
export function architectureOf(modelType: string): ArchitectureSpec {
  const spec = byType.get(modelType);
  if (!spec) throw new UserError(`no architecture declares model_type ${JSON.stringify(modelType)}`);
  return spec;
}

/** Whether the graph of this model_type calls `hook`, i.e. whether an adapter that needs it can attach. */
export const callsHook = (modelType: string, hook: HookName): boolean =>
  byType.get(modelType)?.hooks.includes(hook) ?? false;
