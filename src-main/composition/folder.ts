/**
 * A composition's folder, written by the main process without the engine: the recipe (block tree + each source's
 * config, name, run id and weights hash) in studio_adapter.json, and every source's tensors, byte for byte, under
 * `sources.<i>.` in adapter.safetensors. The engine (adapters/compose/) loads it like any adapter folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { blockProblems, blockSources, outputsOf } from '../../src-shared/compose.ts';
import type { ComposeBlock, ComposeSource, CompositionOutput } from '../../src-shared/compose.ts';

export type { CompositionOutput };
import { UserError } from '../errors.ts';
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../node-shared/adapter-folder.ts';
import type { BaseIdentity } from '../node-shared/adapter-folder.ts';
import { fileSha256Sync } from '../node-shared/hash-file.ts';
import { readSafetensors, writeSafetensors } from '../node-shared/safetensors/index.ts';
import type { RawTensor } from '../node-shared/safetensors/index.ts';

/** A library adapter picked for a composition. */
export interface PickedSource {
  dir: string;
  name: string;
  runId?: number;
}

interface SourceMeta {
  method: string;
  config: Record<string, unknown>;
  base?: BaseIdentity;
}

function readMeta(dir: string): SourceMeta {
  const file = path.join(dir, STUDIO_ADAPTER_FILE);
  if (!fs.existsSync(file))
    throw new UserError(
      `${dir}: compositions take adapters trained in the studio (no ${STUDIO_ADAPTER_FILE})`,
    );
  const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SourceMeta>;
  if (!meta.method) throw new UserError(`${file}: method is missing`);
  return { method: meta.method, config: meta.config ?? {}, ...(meta.base ? { base: meta.base } : {}) };
}

const labelsOf = (m: SourceMeta): string[] =>
  Array.isArray(m.config.labels) ? (m.config.labels as unknown[]).map(String) : [];

/** Labels a block answers with: the last of a stack (its head answers), the first otherwise (checked equal). */
function blockLabels(b: ComposeBlock, metas: readonly SourceMeta[]): string[] {
  if (b.block === 'adapter') return labelsOf(metas[b.source] as SourceMeta);
  if (b.block === 'stack') return blockLabels(b.children.at(-1) as ComposeBlock, metas);
  const each = b.children.map((c) => blockLabels(c, metas));
  if (b.block === 'average' && each.some((l) => l.join('\u0000') !== (each[0] ?? []).join('\u0000')))
    throw new UserError('average: the adapters answer different labels; average adapters of one task');
  return each[0] ?? [];
}

/** What a composition answers, one entry per output. */
export function compositionOutputs(
  b: ComposeBlock,
  metas: readonly SourceMeta[],
  names: readonly string[],
): CompositionOutput[] {
  if (b.block !== 'parallel' || outputsOf(b) === 1)
    return [{ title: 'composition', labels: blockLabels(b, metas) }];
  return b.children.map((c) => ({
    title: blockSources(c)
      .map((i) => names[i])
      .join(' + '),
    labels: blockLabels(c, metas),
  }));
}

function sameBase(metas: readonly SourceMeta[], names: readonly string[]): BaseIdentity | undefined {
  const first = metas.find((m) => m.base)?.base;
  for (const [i, m] of metas.entries()) {
    if (!first || !m.base) continue;
    for (const k of ['architecture', 'hiddenSize', 'numLayers', 'contentHash'] as const)
      if (m.base[k] !== first[k])
        throw new UserError(
          `${names[i]}: trained on another base model (${k} differs); compose adapters of one base`,
        );
  }
  return first;
}

/**
 * Writes the composition of `picked` by `block` into `dir` (which must not exist yet). Returns the recipe as
 * recorded (the method config of a `compose` run), the outputs and the weights file's sha256.
 */
export function writeComposition(
  dir: string,
  block: ComposeBlock,
  picked: readonly PickedSource[],
): { config: Record<string, unknown>; outputs: CompositionOutput[]; sha256: string; bytes: number } {
  const problems = blockProblems(block, picked.length);
  const unused = picked.map((_, i) => i).filter((i) => !blockSources(block).includes(i));
  if (unused.length > 0)
    problems.push(`adapter(s) ${unused.map((i) => picked[i]?.name).join(', ')} are not used`);
  if (problems.length > 0) throw new UserError(`compose: ${problems[0]}`);
  const metas = picked.map((p) => readMeta(p.dir));
  const names = picked.map((p) => p.name);
  const base = sameBase(metas, names);
  const outputs = compositionOutputs(block, metas, names);
  const tensors = new Map<string, RawTensor>();
  const sources: ComposeSource[] = picked.map((p, i) => {
    const file = path.join(p.dir, STUDIO_WEIGHTS_FILE);
    for (const [n, t] of readSafetensors(file).tensors) tensors.set(`sources.${i}.${n}`, t);
    return {
      method: metas[i]?.method as string,
      config: metas[i]?.config ?? {},
      name: p.name,
      ...(p.runId !== undefined ? { runId: p.runId } : {}),
      sha256: fileSha256Sync(file),
    };
  });
  const config = {
    block,
    sources,
    task: 'classification',
    labels: outputs[0]?.labels ?? [],
    outputs,
  };
  fs.mkdirSync(dir, { recursive: true });
  const weights = path.join(dir, STUDIO_WEIGHTS_FILE);
  writeSafetensors(weights, tensors, { format: 'adapter-studio', method: 'compose' });
  fs.writeFileSync(
    path.join(dir, STUDIO_ADAPTER_FILE),
    `${JSON.stringify({ format: 'adapter-studio', version: 1, method: 'compose', config, ...(base ? { base } : {}) }, null, 2)}\n`,
  );
  return {
    config,
    outputs,
    // Hashed in chunks, not read back whole: the copied sources' tensors can be large.
    sha256: fileSha256Sync(weights),
    bytes: fs.statSync(weights).size + fs.statSync(path.join(dir, STUDIO_ADAPTER_FILE)).size,
  };
}

/** The outputs a composition folder records (parallel: one per child), or null when it is not a composition. */
export function recordedOutputs(dir: string): CompositionOutput[] | null {
  try {
    const meta = readMeta(dir);
    if (meta.method !== 'compose') return null;
    const outs = meta.config.outputs;
    return Array.isArray(outs) ? (outs as CompositionOutput[]) : null;
  } catch {
    return null;
  }
}
