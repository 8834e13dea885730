/**
 * The reference set of a forgetting measurement, read as texts (and labels when it has them): a corpus is cut into
 * passages, a table gives its rows; at most `maxExamples`, spread over the whole file.
 */
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { loadDataset, permutation } from '../data/index.ts';
import { UserError } from '../errors.ts';

export interface ReferenceSet {
  /** `sample:<name>` or the absolute path. */
  source: string;
  contentHash: string;
  texts: { text: string; pair?: string }[];
  /** Per text, its label's index in `labels`; null for a corpus (or regression values). */
  labelIds: number[] | null;
  labels: string[];
}

/** Characters per passage of a corpus: about a hundred tokens of English, enough context for the LM head. */
const PASSAGE_CHARS = 500;

/** `n` indices evenly spaced over `0..total-1` (all of them when `n >= total`): a corpus read end to end. */
export function evenlySpaced(total: number, n: number): number[] {
  if (n >= total) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: n }, (_, i) => Math.floor((i * total) / n));
}

/**
 * `n` row indices drawn with a fixed seed, in file order: even spacing would alias with a table whose labels
 * alternate (every second row of sport/cooking/sport... is one class), a seeded draw cannot.
 */
export function sampledRows(total: number, n: number): number[] {
  if (n >= total) return Array.from({ length: total }, (_, i) => i);
  return permutation(total, REFERENCE_SEED)
    .slice(0, n)
    .sort((a, b) => a - b);
}

const REFERENCE_SEED = 19;

/** A corpus as passages of whole lines, each at most about PASSAGE_CHARS long. */
export function passages(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const line of text.split(/\r?\n/)) {
    const l = line.trim();
    if (!l) continue;
    if (cur && cur.length + l.length + 1 > PASSAGE_CHARS) {
      out.push(cur);
      cur = '';
    }
    cur = cur ? `${cur} ${l}` : l.slice(0, PASSAGE_CHARS * 2);
  }
  if (cur) out.push(cur);
  return out;
}

export function readReference(spec: DatasetSpec, maxExamples: number): ReferenceSet {
  // No held-out split: every row of the reference is a candidate.
  const d = loadDataset(spec, { validationFraction: 0 });
  if (d.kind === 'image')
    throw new UserError(`${d.source}: a forgetting reference must be text (a corpus or a text dataset)`);
  if (d.kind === 'lm') {
    const all = passages(d.text);
    if (all.length === 0) throw new UserError(`${d.source}: the reference corpus has no text`);
    return {
      source: d.source,
      contentHash: d.contentHash,
      texts: evenlySpaced(all.length, maxExamples).map((i) => ({ text: all[i] as string })),
      labelIds: null,
      labels: [],
    };
  }
  const rows = sampledRows(d.rows.length, maxExamples).map((i) => d.rows[i]!);
  if (rows.length === 0) throw new UserError(`${d.source}: the reference has no rows`);
  const labelled = d.kind !== 'regression' && d.labels.length >= 2;
  return {
    source: d.source,
    contentHash: d.contentHash,
    texts: rows.map((r) => (r.textPair ? { text: r.text, pair: r.textPair } : { text: r.text })),
    labelIds: labelled ? rows.map((r) => d.labelToId[r.label] ?? 0) : null,
    labels: labelled ? d.labels : [],
  };
}
