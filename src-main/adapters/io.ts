/**
 * Adapter folders, read and written: PEFT's (adapter_config.json + adapter_model.safetensors) for the methods
 * with a PEFT codec (<method>/peft.ts), and our own (studio_adapter.json + adapter.safetensors) for every method, recording the base
 * model's identity so an adapter is never silently applied to the wrong base.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfig, MethodType } from '../../src-shared/methods.ts';
import { unavailableReason } from '../../src-shared/export.ts';
import { readSafetensors, writeSafetensors } from '../engine/safetensors/index.ts';
import type { RawTensor } from '../engine/safetensors/index.ts';
import { UserError } from '../errors.ts';
import { findArchitecture } from '../models/architectures.ts';
import type { Model } from '../models/base/types.ts';
import './methods.ts';
import { peftConfigJson, peftConfigSchema, unknownKeys } from './peft/config.ts';
import type { PeftCodec, PeftModelContext } from './peft/codec.ts';
import { allMethods, getMethod, parseMethodConfig } from './base/registry.ts';
import type { AdapterInstance, AdapterMethod } from './base/types.ts';

// File names and the base identity are plain data that main needs too: they live in node-shared/.
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../node-shared/adapter-folder.ts';
import type { BaseIdentity } from '../node-shared/adapter-folder.ts';
export { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE };
export type { BaseIdentity };

export interface AdapterFolder {
  method: MethodType;
  config: Record<string, unknown>;
  tensors: Map<string, RawTensor>;
  base?: BaseIdentity;
  format: 'peft' | 'studio';
  warnings: string[];
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(
      `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `not valid JSON (${(err as Error).message})`}`,
    );
  }
}

/** The method whose codec claims this adapter_config.json (LoRA and DoRA share peft_type LORA). */
function codecFor(raw: Record<string, unknown>, peftType: string): AdapterMethod | undefined {
  return allMethods().find((m) => m.peft?.peftType === peftType && (m.peft.claims?.(raw) ?? true));
}

function readPeft(dir: string): AdapterFolder {
  const file = path.join(dir, 'adapter_config.json');
  const raw = readJson(file);
  const parsed = peftConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file}: ${issue?.path.join('.') || 'config'}: ${issue?.message}`);
  }
  const method = codecFor(raw, parsed.data.peft_type);
  const codec = method?.peft;
  if (!method || !codec) {
    const known = allMethods().some((m) => m.peft?.peftType === parsed.data.peft_type);
    throw new UserError(
      known
        ? `${file}: peft_type: this ${parsed.data.peft_type} variant is not supported`
        : `${file}: peft_type: ${parsed.data.peft_type} adapters are not supported`,
    );
  }
  const warnings = unknownKeys(raw, codec).map((k) => `${file}: ignoring unknown key "${k}" (newer PEFT?)`);
  let config: Record<string, unknown>;
  try {
    config = codec.configFromPeft(raw);
  } catch (err) {
    throw new UserError(`${file}: ${(err as Error).message}`);
  }
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of readSafetensors(path.join(dir, 'adapter_model.safetensors')).tensors) {
    const [ours, value] = codec.tensorFromPeft(name, t);
    tensors.set(ours, value);
  }
  return { method: method.type, config, tensors, format: 'peft', warnings };
}

function readStudio(dir: string): AdapterFolder {
  const file = path.join(dir, STUDIO_ADAPTER_FILE);
  const meta = readJson(file) as {
    method?: MethodType;
    config?: Record<string, unknown>;
    base?: BaseIdentity;
  };
  if (!meta.method) throw new UserError(`${file}: method is missing`);
  const tensors = readSafetensors(path.join(dir, STUDIO_WEIGHTS_FILE)).tensors;
  return {
    method: meta.method,
    config: meta.config ?? {},
    tensors,
    base: meta.base,
    format: 'studio',
    warnings: [],
  };
}

export function readAdapterFolder(dir: string): AdapterFolder {
  if (fs.existsSync(path.join(dir, STUDIO_ADAPTER_FILE))) return readStudio(dir);
  if (fs.existsSync(path.join(dir, 'adapter_config.json'))) return readPeft(dir);
  throw new UserError(`${dir}: not an adapter folder (no ${STUDIO_ADAPTER_FILE} or adapter_config.json)`);
}

export function baseIdentity(model: Model, contentHash?: string): BaseIdentity {
  return {
    architecture: model.config.modelType,
    hiddenSize: model.config.hiddenSize,
    numLayers: model.config.numLayers,
    ...(contentHash ? { contentHash } : {}),
  };
}

/** Refuses an adapter recorded for another base model, naming the difference. */
export function checkBase(dir: string, folder: AdapterFolder, model: Model, contentHash?: string): void {
  const b = folder.base;
  if (!b) return;
  const here = baseIdentity(model, contentHash);
  for (const k of ['architecture', 'hiddenSize', 'numLayers'] as const) {
    if (b[k] !== here[k])
      throw new UserError(
        `${dir}: adapter was trained on a ${b.architecture} with ${k} ${b[k]}, this model has ${here[k]}`,
      );
  }
  if (b.contentHash && contentHash && b.contentHash !== contentHash) {
    throw new UserError(
      `${dir}: adapter was trained on a different base model (content hash ${b.contentHash.slice(0, 12)}… vs ${contentHash.slice(0, 12)}…)`,
    );
  }
}

/** Attaches the adapter in `dir` to `model`. */
export function loadAdapter(
  model: Model,
  dir: string,
  opts: { contentHash?: string; warn?: (w: string) => void } = {},
): AdapterInstance {
  const folder = readAdapterFolder(dir);
  for (const w of folder.warnings) opts.warn?.(w);
  checkBase(dir, folder, model, opts.contentHash);
  const file = path.join(dir, folder.format === 'peft' ? 'adapter_config.json' : STUDIO_ADAPTER_FILE);
  let config: MethodConfig;
  try {
    config = parseMethodConfig(folder.method, folder.config, { ignoreOtherKeys: true });
  } catch (err) {
    throw new UserError(`${file}: ${(err as Error).message}`);
  }
  const tensors = new Map([...folder.tensors].map(([n, t]) => [n, tf.tensor(t.data, t.shape, t.dtype)]));
  try {
    return getMethod(config.type).fromWeights(model, config, tensors);
  } catch (err) {
    throw new UserError(`${dir}: ${(err as Error).message}`);
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

async function rawOf(v: tf.Tensor): Promise<RawTensor> {
  return { dtype: 'float32', shape: v.shape, data: Float32Array.from(await v.data()) };
}

/** Saves our folder format, plus PEFT's files for the methods PEFT has. Returns the files written. */
export async function saveAdapter(
  model: Model,
  adapter: AdapterInstance,
  config: Record<string, unknown>,
  dir: string,
  identity: BaseIdentity,
): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const recorded = adapter.savedConfig ? adapter.savedConfig(config) : config;
  const ours = new Map<string, RawTensor>();
  if (adapter.exportWeights) {
    const exported = await adapter.exportWeights();
    for (const [name, t] of exported) ours.set(name, await rawOf(t));
    tf.dispose([...exported.values()]);
  } else for (const [name, v] of adapter.weights) ours.set(name, await rawOf(v));
  for (const name of adapter.baseTrainable) ours.set(name, await rawOf(model.params.get(name)));
  const written = [path.join(dir, STUDIO_WEIGHTS_FILE), path.join(dir, STUDIO_ADAPTER_FILE)];
  writeSafetensors(written[0] as string, ours, { format: 'adapter-studio', method: adapter.method });
  fs.writeFileSync(
    written[1] as string,
    `${JSON.stringify({ format: 'adapter-studio', version: 1, method: adapter.method, config: recorded, base: identity }, null, 2)}\n`,
  );
  const codec = getMethod(adapter.method).peft;
  // A method PEFT cannot carry on this base (prompt tuning on CLIP) gets no PEFT files; export says why.
  const refused = unavailableReason(adapter.method, 'peft', model.config.modelType);
  if (codec && !refused) written.push(...writePeft(model, adapter, codec, config, ours, dir));
  return written;
}

/** What PEFT's config needs from the model; the Conv1D layout is what the architecture declares. */
export function peftContext(model: Model): PeftModelContext {
  const c = model.config;
  return {
    task: c.task,
    modelType: c.modelType,
    numLayers: c.numLayers,
    numHeads: c.numHeads,
    hiddenSize: c.hiddenSize,
    fanInFanOut: findArchitecture(c.modelType)?.conv1d ?? false,
    defaultLoraTargets: c.defaultLoraTargets,
    ...(findArchitecture(c.modelType)?.peftAutoMapping
      ? { autoMapping: findArchitecture(c.modelType)?.peftAutoMapping }
      : {}),
  };
}

function writePeft(
  model: Model,
  adapter: AdapterInstance,
  codec: PeftCodec,
  config: Record<string, unknown>,
  ours: Map<string, RawTensor>,
  dir: string,
): string[] {
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of ours) {
    const [peftName, value] = codec.tensorToPeft(name, t, adapter);
    tensors.set(peftName, value);
  }
  const ctx = peftContext(model);
  const fields = codec.configToPeft(
    parseMethodConfig(adapter.method, config, { ignoreOtherKeys: true }),
    ctx,
  );
  const json = peftConfigJson(codec, fields, ctx);
  const files = [path.join(dir, 'adapter_model.safetensors'), path.join(dir, 'adapter_config.json')];
  writeSafetensors(files[0] as string, tensors, { format: 'pt' });
  fs.writeFileSync(files[1] as string, `${JSON.stringify(json, null, 2)}\n`);
  return files;
}
