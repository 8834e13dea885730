/**
 * A merge of LoRA adapter folders into a new adapter folder (engine side: the engine process for the studio, the
 * CLI's own process for `studio merge-adapters`). The sources are read in either format, checked to be LoRA on one
 * base, merged in PEFT's layout (lora-merge.ts) and saved like a trained adapter: our files and PEFT's, with the
 * task head of one source, so the result loads, exports, merges into the base and bundles like any other.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { MergeOptions, MergeSummary } from '../../src-shared/merge.ts';
import { loadBaseForAdapter } from '../adapters/base-for-adapter.ts';
import { getMethod, parseMethodConfig } from '../adapters/base/registry.ts';
import { traceModules } from '../adapters/base/trace.ts';
import { baseIdentity, checkBase, readAdapterFolder, saveAdapter } from '../adapters/io.ts';
import type { AdapterFolder } from '../adapters/io.ts';
import { loraScaling } from '../adapters/lora/config.ts';
import { transposeRaw } from '../adapters/peft/names.ts';
import type { RawTensor } from '../engine/safetensors/index.ts';
import { UserError } from '../errors.ts';
import { modelContentHash } from '../models/content-hash.ts';
import { resolveModelDir } from '../models/default-model.ts';
import type { Model } from '../models/base/types.ts';
import { mergeLoras } from './lora-merge.ts';
import type { Factors, MergedLora, SourceLora } from './lora-merge.ts';
import { seededMasks } from './masks.ts';
import type { MaskSource } from './task-arithmetic.ts';

export interface MergeFoldersRequest {
  /** The base model: "default" or a folder. */
  model: string;
  /** The adapters to merge, in order (weights follow this order); `name` is how messages call each. */
  sources: { dir: string; name: string }[];
  options: MergeOptions;
  /** The new adapter folder (must not exist). */
  out: string;
}

const LORA_TENSOR = /^(.*)\.lora_([AB])$/;

interface ReadSource {
  name: string;
  dir: string;
  folder: AdapterFolder;
  config: {
    r: number;
    alpha: number;
    dropout: number;
    rslora: boolean;
    targets?: string[] | string | undefined;
  };
}

function readSource(s: { dir: string; name: string }): ReadSource {
  const folder = readAdapterFolder(s.dir);
  if (folder.method !== 'lora')
    throw new UserError(`${s.name} is a ${folder.method} adapter: only LoRA adapters can be merged`);
  const parsed = parseMethodConfig('lora', folder.config, { ignoreOtherKeys: true });
  if (parsed.type !== 'lora') throw new UserError(`${s.name}: not a LoRA config`);
  return { ...s, folder, config: parsed };
}

/** Same base for every source, as their folders record it (a PEFT folder records none: the model check covers it). */
function checkSameBase(sources: readonly ReadSource[]): void {
  const known = sources.filter((s) => s.folder.base);
  const first = known[0];
  for (const s of known.slice(1)) {
    const a = first?.folder.base;
    const b = s.folder.base;
    if (!a || !b) continue;
    const differs =
      a.architecture !== b.architecture ||
      a.hiddenSize !== b.hiddenSize ||
      a.numLayers !== b.numLayers ||
      (a.contentHash && b.contentHash && a.contentHash !== b.contentHash);
    if (differs)
      throw new UserError(
        `${first?.name} and ${s.name} were trained on different base models: merge adapters of one base`,
      );
  }
}

/** Our tf-layout factors -> PEFT's torch layout in float64, per module. */
function torchFactors(s: ReadSource): SourceLora {
  const pairs = new Map<string, Partial<Record<'A' | 'B', RawTensor>>>();
  for (const [name, t] of s.folder.tensors) {
    const m = LORA_TENSOR.exec(name);
    if (!m) continue;
    const pair = pairs.get(m[1] as string) ?? {};
    pair[m[2] as 'A' | 'B'] = t;
    pairs.set(m[1] as string, pair);
  }
  const modules = new Map<string, Factors>();
  for (const [module, p] of pairs) {
    if (!p.A || !p.B) throw new UserError(`${s.name}: ${module} lacks lora_${p.A ? 'B' : 'A'}`);
    const a = transposeRaw(p.A, 'tf-to-torch');
    const b = transposeRaw(p.B, 'tf-to-torch');
    modules.set(module, {
      a: { shape: [...a.shape], data: Float64Array.from(a.data as Float32Array) },
      b: { shape: [...b.shape], data: Float64Array.from(b.data as Float32Array) },
    });
  }
  return { name: s.name, r: s.config.r, scaling: loraScaling(s.config), modules };
}

/** PEFT's target_modules of the result: the union of the sources' lists, or their patterns joined with |. */
function mergedTargets(model: Model, sources: readonly ReadSource[]): string[] | string {
  const each = sources.map((s) => s.config.targets ?? model.config.defaultLoraTargets);
  if (each.every((t) => typeof t === 'string')) return each.map((t) => `(${t})`).join('|');
  if (each.every((t) => Array.isArray(t))) return [...new Set(each.flat())];
  throw new UserError(
    'these adapters name their target modules differently (a list and a pattern): PEFT cannot merge them either',
  );
}

/** The merged factors in our tf layout, plus the head source's head tensors. */
function outputTensors(merged: MergedLora, head: ReadSource): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  const toTf = (t: Factors['a']) => {
    const raw = transposeRaw(
      { dtype: 'float32', shape: t.shape, data: Float32Array.from(t.data) },
      'torch-to-tf',
    );
    return tf.tensor(raw.data as Float32Array, raw.shape, 'float32');
  };
  for (const [module, f] of merged.modules) {
    out.set(`${module}.lora_A`, toTf(f.a));
    out.set(`${module}.lora_B`, toTf(f.b));
  }
  for (const [name, t] of head.folder.tensors)
    if (!LORA_TENSOR.test(name)) out.set(name, tf.tensor(t.data, t.shape, t.dtype));
  return out;
}

/** Merges the source folders into `req.out`; `masks` replaces the seeded DARE masks (tests feed PEFT's). */
export async function mergeAdapterFolders(
  req: MergeFoldersRequest,
  masks?: MaskSource,
): Promise<MergeSummary> {
  const o = req.options;
  const sources = req.sources.map(readSource);
  checkSameBase(sources);
  const head = sources[o.head];
  if (!head) throw new UserError(`head ${o.head}: there are ${sources.length} adapters (count from 0)`);
  if (fs.existsSync(req.out)) throw new UserError(`${req.out}: already exists`);
  const modelDir = resolveModelDir(req.model);
  const model = loadBaseForAdapter(req.model, head.dir);
  const tensors = new Map<string, tf.Tensor>();
  try {
    const hash = modelContentHash(modelDir);
    for (const s of sources) checkBase(s.name, s.folder, model, hash);
    const trace = traceModules(model);
    const order = [...trace.linear.keys(), ...trace.conv.keys()];
    const loras = sources.map(torchFactors);
    const unknown = loras.flatMap((l) => [...l.modules.keys()]).find((m) => !order.includes(m));
    if (unknown) throw new UserError(`${unknown}: no such module in this ${model.config.modelType} model`);
    const weights = o.weights ?? sources.map(() => 1);
    const merged = mergeLoras(loras, { ...o, weights }, order, masks ?? seededMasks(o.seed));
    const first = sources[0] as ReadSource;
    const headConfig = head.folder.config;
    const config = {
      r: merged.rank,
      alpha: merged.rank,
      dropout: first.config.dropout,
      rslora: first.config.rslora,
      targets: mergedTargets(model, sources),
      ...(headConfig.labels !== undefined ? { labels: headConfig.labels } : {}),
      ...(headConfig.task !== undefined ? { task: headConfig.task } : {}),
    };
    for (const [k, v] of outputTensors(merged, head)) tensors.set(k, v);
    const adapter = getMethod('lora').fromWeights(
      model,
      parseMethodConfig('lora', config, { ignoreOtherKeys: true }),
      tensors,
    );
    try {
      await saveAdapter(model, adapter, config, req.out, head.folder.base ?? baseIdentity(model, hash));
    } catch (err) {
      // Nothing half-written stays behind to look like an adapter.
      fs.rmSync(req.out, { recursive: true, force: true });
      throw err;
    } finally {
      adapter.dispose();
    }
    const loraParams = [...merged.modules.values()].reduce(
      (n, f) => n + f.a.data.length + f.b.data.length,
      0,
    );
    return {
      rank: merged.rank,
      alpha: merged.rank,
      modules: merged.modules.size,
      loraParams,
      bytes: fs.statSync(path.join(req.out, 'adapter.safetensors')).size,
      labels: Array.isArray(headConfig.labels) ? headConfig.labels.map(String) : [],
    };
  } finally {
    tf.dispose([...tensors.values()]);
    model.dispose();
  }
}
