/**
 * The library adapters a composition is made of: read from their folders while a recipe is built or a fusion
 * trains, and from the composition's own weights (each source's tensors under `sources.<i>.`) once it is saved,
 * so a saved composition, its bundle and its import carry everything they need.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ComposeSource } from '../../../src-shared/compose.ts';
import { readSafetensors } from '../../engine/safetensors/index.ts';
import { UserError } from '../../errors.ts';
import type { Model } from '../../models/base/types.ts';
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../../node-shared/adapter-folder.ts';
import { getMethod, parseMethodConfig } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';

export const sourcePrefix = (i: number) => `sources.${i}.`;

/** A source's recorded config and method, as its folder's studio_adapter.json has them. */
export function describeSourceFolder(dir: string): Omit<ComposeSource, 'dir'> {
  const file = path.join(dir, STUDIO_ADAPTER_FILE);
  if (!fs.existsSync(file))
    throw new UserError(
      `${dir}: compositions take adapters trained in the studio (no ${STUDIO_ADAPTER_FILE})`,
    );
  const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    method?: string;
    config?: Record<string, unknown>;
  };
  if (!meta.method) throw new UserError(`${file}: method is missing`);
  return { method: meta.method, config: meta.config ?? {} };
}

function instanceOf(model: Model, source: Omit<ComposeSource, 'dir'>, weights: Map<string, tf.Tensor>) {
  const config = parseMethodConfig(source.method, source.config, { ignoreOtherKeys: true });
  return getMethod(config.type).fromWeights(model, config, weights);
}

/** Source `i` from its folder. */
export function sourceFromFolder(model: Model, source: ComposeSource, i: number): AdapterInstance {
  if (!source.dir) throw new UserError(`source ${i}: no folder and no saved weights`);
  const described = describeSourceFolder(source.dir);
  const raw = readSafetensors(path.join(source.dir, STUDIO_WEIGHTS_FILE)).tensors;
  const weights = new Map([...raw].map(([n, t]) => [n, tf.tensor(t.data, t.shape, t.dtype)]));
  try {
    return instanceOf(model, { ...described, ...source }, weights);
  } catch (err) {
    throw new UserError(`${source.dir}: ${(err as Error).message}`);
  } finally {
    tf.dispose([...weights.values()]);
  }
}

/** Source `i` from a saved composition's weights (its tensors under `sources.<i>.`). */
export function sourceFromWeights(
  model: Model,
  source: ComposeSource,
  i: number,
  all: ReadonlyMap<string, tf.Tensor>,
): AdapterInstance {
  const prefix = sourcePrefix(i);
  const own = new Map<string, tf.Tensor>();
  for (const [n, t] of all) if (n.startsWith(prefix)) own.set(n.slice(prefix.length), t);
  if (own.size === 0) throw new UserError(`source ${i} (${source.name ?? source.method}): no saved weights`);
  return instanceOf(model, source, own);
}

/** Every source: from saved weights when there are any, else from its folder. Disposes what it built on failure. */
export function loadSources(
  model: Model,
  sources: readonly ComposeSource[],
  saved?: ReadonlyMap<string, tf.Tensor>,
): AdapterInstance[] {
  const out: AdapterInstance[] = [];
  try {
    sources.forEach((s, i) =>
      out.push(saved ? sourceFromWeights(model, s, i, saved) : sourceFromFolder(model, s, i)),
    );
  } catch (err) {
    for (const a of out) a.dispose();
    throw err;
  }
  return out;
}

/** Every source's weights under its prefix, for saving (the caller disposes the returned tensors). */
export async function sourceWeights(sources: readonly AdapterInstance[]): Promise<Map<string, tf.Tensor>> {
  const out = new Map<string, tf.Tensor>();
  for (const [i, s] of sources.entries()) {
    const own = s.exportWeights
      ? await s.exportWeights()
      : new Map([...s.weights].map(([n, v]) => [n, v.clone()]));
    for (const [n, t] of own) out.set(`${sourcePrefix(i)}${n}`, t);
  }
  return out;
}

/** The recipe entry to save for a source: its config and identity, never the folder it was read from. */
export function savedSource(s: ComposeSource): ComposeSource {
  const { dir: _dir, ...rest } = s;
  return rest;
}
