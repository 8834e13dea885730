/**
 * Adapter folders, read and written: PEFT's (adapter_config.json + adapter_model.safetensors) for LoRA, IA3 and
 * prompt tuning, and our own (studio_adapter.json + adapter.safetensors) for every method, recording the base
 * model's identity so an adapter is never silently applied to the wrong base.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { MethodType } from '../../src-shared/train-config.ts';
import { readSafetensors, writeSafetensors } from '../engine/safetensors/index.ts';
import type { RawTensor } from '../engine/safetensors/index.ts';
import { UserError } from '../errors.ts';
import type { Model } from '../models/base/types.ts';
import './methods.ts';
import { peftConfigJson, peftConfigSchema, unknownKeys } from './peft/config.ts';
import { fromPeftName, toPeftName, transposeRaw } from './peft/names.ts';
import type { PeftType } from './peft/names.ts';
import { getMethod } from './base/registry.ts';
import type { AdapterInstance } from './base/types.ts';

export const STUDIO_ADAPTER_FILE = 'studio_adapter.json';
export const STUDIO_WEIGHTS_FILE = 'adapter.safetensors';

/** Which base model an adapter belongs to. */
export interface BaseIdentity {
  architecture: string;
  hiddenSize: number;
  numLayers: number;
  /** sha256 of the base model's weights file(s), when known. */
  contentHash?: string;
}

export interface AdapterFolder {
  method: MethodType;
  config: Record<string, unknown>;
  tensors: Map<string, RawTensor>;
  base?: BaseIdentity;
  format: 'peft' | 'studio';
  warnings: string[];
}

const PEFT_METHOD: Record<PeftType, MethodType> = { LORA: 'lora', IA3: 'ia3', PROMPT_TUNING: 'prompt' };
const METHOD_PEFT: Partial<Record<MethodType, PeftType>> = {
  lora: 'LORA',
  ia3: 'IA3',
  prompt: 'PROMPT_TUNING',
};

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(
      `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `not valid JSON (${(err as Error).message})`}`,
    );
  }
}

function readPeft(dir: string): AdapterFolder {
  const file = path.join(dir, 'adapter_config.json');
  const raw = readJson(file);
  const parsed = peftConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file}: ${issue?.path.join('.') || 'config'}: ${issue?.message}`);
  }
  const c = parsed.data;
  const warnings = unknownKeys(raw, c.peft_type).map(
    (k) => `${file}: ignoring unknown key "${k}" (newer PEFT?)`,
  );
  if (c.use_dora) throw new UserError(`${file}: use_dora: DoRA adapters are not supported`);
  if (Object.keys(c.rank_pattern ?? {}).length || Object.keys(c.alpha_pattern ?? {}).length) {
    throw new UserError(`${file}: rank_pattern/alpha_pattern: per-module ranks are not supported`);
  }
  const weightsFile = path.join(dir, 'adapter_model.safetensors');
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of readSafetensors(weightsFile).tensors) {
    const { ours, convert } = fromPeftName(c.peft_type, name);
    const value =
      convert === 'transpose'
        ? transposeRaw(t, 'torch-to-tf')
        : convert === 'flatten'
          ? { ...t, shape: [t.data.length] }
          : t;
    tensors.set(ours, value);
  }
  const targets = c.target_modules ?? undefined;
  const config: Record<string, unknown> =
    c.peft_type === 'LORA'
      ? {
          r: c.r ?? 8,
          alpha: c.lora_alpha ?? 8,
          dropout: c.lora_dropout ?? 0,
          rslora: c.use_rslora ?? false,
          targets,
        }
      : c.peft_type === 'IA3'
        ? { targets, feedforward: c.feedforward_modules ?? [] }
        : { virtualTokens: c.num_virtual_tokens ?? 0 };
  return { method: PEFT_METHOD[c.peft_type], config, tensors, format: 'peft', warnings };
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
  const tensors = new Map([...folder.tensors].map(([n, t]) => [n, tf.tensor(t.data, t.shape, t.dtype)]));
  try {
    return getMethod(folder.method).fromWeights(model, folder.config as never, tensors);
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
    `${JSON.stringify({ format: 'adapter-studio', version: 1, method: adapter.method, config, base: identity }, null, 2)}\n`,
  );
  const peftType = METHOD_PEFT[adapter.method];
  if (peftType) written.push(...writePeft(model, peftType, config, ours, dir, adapter.feedforwardModules));
  return written;
}

function writePeft(
  model: Model,
  type: PeftType,
  config: Record<string, unknown>,
  ours: Map<string, RawTensor>,
  dir: string,
  feedforward: ReadonlySet<string> = new Set(),
): string[] {
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of ours) {
    const { convert } = fromPeftName(type, toPeftName(type, name));
    let value = t;
    if (convert === 'transpose') value = transposeRaw(t, 'tf-to-torch');
    if (convert === 'flatten') {
      const ff = feedforward.has(name.slice(0, -'.ia3'.length));
      value = { ...t, shape: ff ? [1, t.data.length] : [t.data.length, 1] };
    }
    tensors.set(toPeftName(type, name), value);
  }
  const c = model.config;
  const fields: Record<string, unknown> =
    type === 'LORA'
      ? {
          r: config.r,
          lora_alpha: config.alpha,
          lora_dropout: config.dropout,
          use_rslora: config.rslora,
          target_modules: config.targets ?? c.defaultLoraTargets,
        }
      : type === 'IA3'
        ? { target_modules: config.targets, feedforward_modules: config.feedforward }
        : { num_virtual_tokens: config.virtualTokens };
  const json = peftConfigJson(type, fields, {
    task: c.task,
    modelType: c.modelType,
    numLayers: c.numLayers,
    numHeads: c.numHeads,
    hiddenSize: c.hiddenSize,
  });
  const files = [path.join(dir, 'adapter_model.safetensors'), path.join(dir, 'adapter_config.json')];
  writeSafetensors(files[0] as string, tensors, { format: 'pt' });
  fs.writeFileSync(files[1] as string, `${JSON.stringify(json, null, 2)}\n`);
  return files;
}
