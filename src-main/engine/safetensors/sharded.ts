import fs from 'node:fs';
import path from 'node:path';
import { SafetensorsError } from './errors.ts';
import { readSafetensors, readSafetensorsHeader } from './read.ts';
import type { SafetensorsFile, SafetensorsHeader } from './types.ts';

/**
 * Loads a model folder's weights: `model.safetensors`, or the shards listed in `model.safetensors.index.json`.
 * Every shard is read and checked before anything is returned, so a bad shard never yields a partial model.
 */
export function readModelWeights(dir: string): SafetensorsFile {
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return readSafetensors(single);
  const indexFile = path.join(dir, 'model.safetensors.index.json');
  if (!fs.existsSync(indexFile)) {
    throw new SafetensorsError(dir, 'no model.safetensors or model.safetensors.index.json in this folder');
  }
  let index: { weight_map?: Record<string, unknown>; metadata?: Record<string, unknown> } | null;
  try {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as typeof index;
  } catch (err) {
    throw new SafetensorsError(indexFile, `not valid JSON (${(err as Error).message})`);
  }
  if (!index?.weight_map || typeof index.weight_map !== 'object' || Array.isArray(index.weight_map))
    throw new SafetensorsError(indexFile, 'has no weight_map');
  const byShard = new Map<string, Set<string>>();
  for (const [name, shard] of Object.entries(index.weight_map)) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\'))
      throw new SafetensorsError(
        indexFile,
        `shard name ${JSON.stringify(shard)} for ${name} is not a plain file name`,
      );
    const set = byShard.get(shard) ?? new Set<string>();
    set.add(name);
    byShard.set(shard, set);
  }
  const merged: SafetensorsFile = { tensors: new Map(), metadata: {} };
  for (const [shard, names] of byShard) {
    const file = readSafetensors(path.join(dir, shard), (n) => names.has(n));
    for (const n of names) {
      const t = file.tensors.get(n);
      if (!t)
        throw new SafetensorsError(
          path.join(dir, shard),
          `index lists ${n} but the shard has no such tensor`,
        );
      merged.tensors.set(n, t);
    }
    Object.assign(merged.metadata, file.metadata);
  }
  return merged;
}

/**
 * The names, dtypes and shapes of a model folder's weights from the file headers alone (single file or shards),
 * e.g. to count parameters for the Models page without reading gigabytes of data.
 */
export function readModelWeightShapes(dir: string): SafetensorsHeader {
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return readSafetensorsHeader(single);
  const indexFile = path.join(dir, 'model.safetensors.index.json');
  if (!fs.existsSync(indexFile)) {
    throw new SafetensorsError(dir, 'no model.safetensors or model.safetensors.index.json in this folder');
  }
  let index: { weight_map?: Record<string, unknown> } | null;
  try {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as typeof index;
  } catch (err) {
    throw new SafetensorsError(indexFile, `not valid JSON (${(err as Error).message})`);
  }
  if (!index?.weight_map || typeof index.weight_map !== 'object' || Array.isArray(index.weight_map))
    throw new SafetensorsError(indexFile, 'has no weight_map');
  const shards = new Set(Object.values(index.weight_map));
  const merged: SafetensorsHeader = { tensors: new Map(), metadata: {} };
  for (const shard of shards) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\'))
      throw new SafetensorsError(indexFile, `shard name ${JSON.stringify(shard)} is not a plain file name`);
    const h = readSafetensorsHeader(path.join(dir, shard));
    for (const [n, t] of h.tensors) if (index.weight_map[n] === shard) merged.tensors.set(n, t);
    Object.assign(merged.metadata, h.metadata);
  }
  return merged;
}
