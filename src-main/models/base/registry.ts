import fs from 'node:fs';
import path from 'node:path';
import { ModelConfigError } from './errors.ts';
import type { Model } from './types.ts';
import { asClassifierConfig, isNewHeadWeight } from './new-head.ts';
import type { HeadOverride } from './new-head.ts';
import { readModelWeights } from '../../engine/safetensors/index.ts';
import { ParamStore } from './params.ts';
import type { ParamSpec } from './params.ts';
import type { ArchitectureSpec } from './spec.ts';
import type { CommonConfig } from './types.ts';
import { jsonSyntaxProblem } from '../../errors.ts';

/** A folder's loader, registered with its declaration (models/<arch>/spec.ts). */
export interface Architecture {
  spec: ArchitectureSpec;
  load(dir: string, rawConfig: Record<string, unknown>, configFile: string): Model;
}

const registry = new Map<string, Architecture>();

export function registerArchitecture(a: Architecture): void {
  registry.set(a.spec.modelType, a);
}

/**
 * A folder's loader from its three parts: the config parser, the weight-name map and the graph. Every folder's
 * index.ts registers one (`registerArchitecture(graphLoader(...))`).
 */
export function graphLoader<C extends CommonConfig>(
  spec: ArchitectureSpec,
  parse: (configFile: string, raw: Record<string, unknown>) => C,
  paramSpecs: (config: C) => ParamSpec[],
  graph: (config: C, params: ParamStore) => Model,
): Architecture {
  return {
    spec,
    load(dir, rawConfig, configFile) {
      const config = parse(configFile, rawConfig);
      return graph(config, ParamStore.load(dir, readModelWeights(dir).tensors, paramSpecs(config)));
    },
  };
}

/** The declarations of the registered loaders (a test holds them equal to models/architectures.ts). */
export const registeredSpecs = (): ArchitectureSpec[] => [...registry.values()].map((a) => a.spec);

export const supportedModelTypes = (): string[] => [...registry.keys()].sort();

/** Reads config.json and hands the folder to the architecture its model_type names. */
export function loadWithRegistry(dir: string, head?: HeadOverride): Model {
  const configFile = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(configFile, 'utf8');
  } catch {
    throw new ModelConfigError(configFile, 'not found: a Hugging Face model folder needs config.json');
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ModelConfigError(configFile, jsonSyntaxProblem(err, text));
  }
  const type = raw.model_type;
  const arch = typeof type === 'string' ? registry.get(type) : undefined;
  if (!arch) {
    throw new ModelConfigError(
      configFile,
      `model_type ${JSON.stringify(type)} is not supported; supported: ${supportedModelTypes().join(', ')}`,
    );
  }
  const asClassifier = head ? asClassifierConfig(raw, head, arch.spec.inputKind) : undefined;
  if (!asClassifier) return arch.load(dir, raw, configFile);
  const model = ParamStore.withNewHead(isNewHeadWeight, () => arch.load(dir, asClassifier, configFile));
  // A fresh pooler trains with the classifier (it is part of the new head, saved with the adapter).
  for (const name of model.params.fresh) {
    const module = name.replace(/\.(weight|bias)$/, '');
    if (!model.config.headModules.some((h) => module === h || module.startsWith(`${h}.`)))
      model.config.headModules.push(module);
  }
  return model;
}
