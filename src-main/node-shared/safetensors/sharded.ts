import fs from 'node:fs';
import path from 'node:path';
import { SafetensorsError } from './errors.ts';
import { readSafetensors, readSafetensorsHeader } from './read.ts';
import type { SafetensorsFile, SafetensorsHeader } from './types.ts';

/** A folder's weights: one `model.safetensors`, or shards grouped by file from `model.safetensors.index.json`. */
type WeightFiles = { single: string } | { indexFile: string; byShard: Map<string, Set<string>> };

function weightFiles(dir: string): WeightFiles {
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return { single };
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
  const byShard = new Map<string, Set<string>>();
  for (const [name, shard] of Object.entries(index.weight_map)) {
    // Shards must sit beside the index: a path could make a downloaded folder read files elsewhere.
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\'))
      throw new SafetensorsError(
        indexFile,
        `shard name ${JSON.stringify(shard)} for ${name} is not a plain file name`,
      );
    const set = byShard.get(shard) ?? new Set<string>();
    set.add(name);
    byShard.set(shard, set);
  }
  return { indexFile, byShard };
}

/**
 * Loads a model folder's weights: `model.safetensors`, or the shards listed in `model.safetensors.index.json`.
 * Every shard is read and checked before anything is returned, so a bad shard never yields a partial model.
 */
export function readModelWeights(dir: string): SafetensorsFile {
  const files = weightFiles(dir);
  if ('single' in files) return readSafetensors(files.single);
  const merged: SafetensorsFile = { tensors: new Map(), metadata: {} };
  for (const [shard, names] of files.byShard) {
    const file = path.join(dir, shard);
    const content = readSafetensors(file, (n) => names.has(n));
    for (const n of names) {
      const t = content.tensors.get(n);
      if (!t) throw new SafetensorsError(file, `index lists ${n} but the shard has no such tensor`);
      merged.tensors.set(n, t);
    }
    Object.assign(merged.metadata, content.metadata);
  }
  return merged;
}

/**
 * The names, dtypes and shapes of a model folder's weights from the file headers alone (single file or shards),
 * e.g. to count parameters for the Models page without reading gigabytes of data.
 */
export function readModelWeightShapes(dir: string): SafetensorsHeader {
  const files = weightFiles(dir);
  if ('single' in files) return readSafetensorsHeader(files.single);
  const merged: SafetensorsHeader = { tensors: new Map(), metadata: {} };
  for (const [shard, names] of files.byShard) {
    const file = path.join(dir, shard);
    const header = readSafetensorsHeader(file);
    for (const n of names) {
      const t = header.tensors.get(n);
      if (!t) throw new SafetensorsError(file, `index lists ${n} but the shard has no such tensor`);
      merged.tensors.set(n, t);
    }
    Object.assign(merged.metadata, header.metadata);
  }
  return merged;
}
