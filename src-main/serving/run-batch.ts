/**
 * A batch job of the serving process: tokenize every request, load the adapters it names (hot, on first use),
 * run the requests that can share a forward pass as one mixed batch and the others per adapter, and answer each
 * request on its own (one adapter failing to load fails only its requests).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeUserFacing } from '../errors.ts';
import { forwardRows } from './batch-forward.ts';
import type { RowOutput, ServeRow } from './batch-forward.ts';
import type { LoadedAdapter, LoadedModel, LoadedModels } from './loaded.ts';
import { defaultLoraMode } from './mixed-hooks.ts';
import type { LoraMode } from './mixed-hooks.ts';
import type { ItemResult, ItemValue, ServeItem } from './protocol.ts';

const MAX_LENGTH = 512;

export { defaultLoraMode };

interface Pending {
  index: number;
  item: ServeItem;
  row: ServeRow;
  adapter: LoadedAdapter | null;
}

function softmax(logits: Float32Array): { p: number[]; logp: number[] } {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return { p: exps.map((e) => e / sum), logp: Array.from(logits, (v) => v - max - Math.log(sum)) };
}

function valueOf(p: Pending, out: RowOutput, entry: LoadedModel): ItemValue {
  if (p.item.op === 'embed') return { op: 'embed', embedding: Array.from(out.embedding) };
  const labels = p.adapter?.labels ?? entry.model.config.labels;
  const logits = out.logits.slice(0, labels.length);
  const { p: probs, logp } = softmax(logits);
  if (p.item.op === 'score')
    return {
      op: 'score',
      scores: labels.map((label, i) => ({
        label,
        logit: logits[i] as number,
        logProbability: logp[i] as number,
      })),
    };
  const top = labels
    .map((label, i) => ({ label, probability: probs[i] as number }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, p.item.topK ?? 5);
  return { op: 'classify', labels: top };
}

/** Which forward pass a request joins: the mixed one, or its adapter's own. */
function groupKey(p: Pending): string {
  const parts = p.row.parts;
  if (p.adapter && !parts) return `alone/${p.adapter.key}`;
  // A text pair's second segment has token types the model adds after the virtual tokens: rows of one pass must
  // then have the same number of them (types are not shifted per row).
  if (p.item.pair) return `pair/${parts?.kind === 'prompt' ? parts.prompt.shape[0] : 0}`;
  return 'mixed';
}

export async function runBatch(
  models: LoadedModels,
  modelName: string,
  items: readonly ServeItem[],
  opts: { capacity: number; loraMode?: LoraMode },
): Promise<ItemResult[]> {
  const results: ItemResult[] = new Array<ItemResult>(items.length);
  const entry = models.get(modelName);
  const pending: Pending[] = [];
  items.forEach((item, index) => {
    try {
      if (!item.adapter && item.op !== 'embed' && !entry.baseClassifies)
        return (results[index] = {
          ok: false,
          status: 400,
          error: `${modelName} has no trained classification head: name an adapter (its head classifies), or embed`,
        });
      const adapter = item.adapter ? entry.adapter(item.adapter, opts.capacity).loaded : null;
      const enc = entry.tok.encode(item.text, { pair: item.pair || undefined, maxLength: MAX_LENGTH });
      pending.push({
        index,
        item,
        adapter,
        row: {
          key: adapter?.key ?? null,
          parts: adapter?.instance.rowwise ?? null,
          ids: enc.ids,
          typeIds: enc.typeIds,
        },
      });
    } catch (err) {
      results[index] = { ok: false, status: 422, error: describeUserFacing(err) ?? String(err) };
    }
  });
  const groups = new Map<string, Pending[]>();
  for (const p of pending) groups.set(groupKey(p), [...(groups.get(groupKey(p)) ?? []), p]);
  const loraMode = opts.loraMode ?? defaultLoraMode();
  for (const [key, group] of groups) {
    const own = key.startsWith('alone/') ? group[0]?.adapter?.instance : undefined;
    const alone = own?.hooks;
    // A router answers through its own forward (its pick on the base, then the adapters).
    const answer = own?.forward ? own.forward.bind(own, entry.model) : undefined;
    try {
      const outs = await forwardRows(
        entry.model,
        group.map((p) => p.row),
        {
          padId: entry.tok.padId,
          loraMode,
          ...(entry.bank ? { bank: entry.bank } : {}),
          ...(alone ? { hooks: alone } : {}),
          ...(answer ? { answer } : {}),
        },
      );
      group.forEach(
        (p, i) => (results[p.index] = { ok: true, value: valueOf(p, outs[i] as RowOutput, entry) }),
      );
    } catch (err) {
      const error = describeUserFacing(err) ?? (err instanceof Error ? err.message : String(err));
      for (const p of group) results[p.index] = { ok: false, status: 422, error };
    }
  }
  return results;
}

export const tensorCount = (): number => tf.memory().numTensors;
