/** Summary statistics for the UI and the project DB: balance, lengths in tokens, duplicates. */
import type { DatasetStats, ImageItem, LengthStats, TextRow, Tokenize } from './types.ts';

const EXAMPLES = 10;

/** Whitespace tokens: the fallback when no model tokenizer is at hand. */
export const whitespaceTokens = (text: string): number => text.match(/\S+/g)?.length ?? 0;

/** Nearest-rank percentiles (each is an observed length) plus the mean; all 0 for no data. */
export function lengthStats(lengths: readonly number[]): LengthStats {
  const sorted = [...lengths].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = (p: number) => (n === 0 ? 0 : (sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] as number));
  const mean = n === 0 ? 0 : sorted.reduce((s, x) => s + x, 0) / n;
  return {
    min: sorted[0] ?? 0,
    p50: rank(50),
    p90: rank(90),
    p95: rank(95),
    p99: rank(99),
    max: sorted[n - 1] ?? 0,
    mean,
  };
}

function countLabels(labels: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

/**
 * Stats of text rows. Duplicates are exact repeats of the text (and pair); a duplicate whose label differs
 * from the first occurrence's is also counted as conflicting, since no model can get both right.
 *
 * @param tokenize the model's tokenizer; without it lengths are whitespace tokens
 * @param regression when true, also reports the range of the numeric labels
 */
export function datasetStats(
  rows: readonly TextRow[],
  tokenize?: Tokenize,
  regression = false,
): DatasetStats {
  const first = new Map<string, TextRow>();
  const labelsOf = new Map<string, Set<string>>();
  const duplicateExamples: [string, string][] = [];
  let duplicates = 0;
  let conflicting = 0;
  const lengths: number[] = [];
  for (const r of rows) {
    const key = r.textPair === undefined ? r.text : `${r.text}\u0000${r.textPair}`;
    const prev = first.get(key);
    if (prev) {
      duplicates++;
      if (prev.label !== r.label) conflicting++;
      if (duplicateExamples.length < EXAMPLES) duplicateExamples.push([String(prev.line), String(r.line)]);
      labelsOf.get(key)?.add(r.label);
    } else {
      first.set(key, r);
      labelsOf.set(key, new Set([r.label]));
    }
    const text = r.textPair === undefined ? r.text : `${r.text} ${r.textPair}`;
    lengths.push(tokenize ? tokenize(text).length : whitespaceTokens(text));
  }
  const conflictExamples: DatasetStats['conflictExamples'] = [];
  for (const [key, labels] of labelsOf) {
    if (conflictExamples.length >= EXAMPLES) break;
    if (labels.size > 1)
      conflictExamples.push({ text: key.replace('\u0000', ' | '), labels: [...labels].sort() });
  }
  const values = regression ? rows.map((r) => r.value ?? Number(r.label)) : [];
  return {
    rows: rows.length,
    labelCounts: regression ? {} : countLabels(rows.map((r) => r.label)),
    lengthPercentiles: lengthStats(lengths),
    tokenizer: tokenize ? 'model' : 'whitespace',
    duplicates,
    conflicting,
    duplicateExamples,
    conflictExamples,
    ...(values.length > 0 ? { valueRange: { min: Math.min(...values), max: Math.max(...values) } } : {}),
  };
}

/** Stats of a language-modelling corpus: non-empty lines as rows, line lengths in tokens, repeated lines. */
export function corpusStats(text: string, tokenize?: Tokenize): DatasetStats {
  const rows: TextRow[] = [];
  text.split('\n').forEach((t, i) => {
    if (t.trim()) rows.push({ text: t, label: '', line: i + 1 });
  });
  const s = datasetStats(rows, tokenize);
  return {
    ...s,
    labelCounts: {},
    conflicting: 0,
    conflictExamples: [],
    characters: text.length,
    tokens: tokenize ? tokenize(text).length : whitespaceTokens(text),
  };
}

/**
 * Stats of an image folder. `fileHashes` (sha256 per item, as computed for the content hash) finds
 * byte-identical images, within a class or across classes (conflicting).
 */
export function imageStats(
  items: readonly ImageItem[],
  fileHashes: readonly string[],
  relative: (file: string) => string,
): DatasetStats {
  const first = new Map<string, ImageItem>();
  const duplicateExamples: [string, string][] = [];
  const conflicts = new Map<string, Set<string>>();
  let duplicates = 0;
  let conflicting = 0;
  items.forEach((it, i) => {
    const h = fileHashes[i] ?? '';
    const prev = first.get(h);
    if (!prev) {
      first.set(h, it);
      return;
    }
    duplicates++;
    if (duplicateExamples.length < EXAMPLES) duplicateExamples.push([relative(prev.file), relative(it.file)]);
    if (prev.label !== it.label) {
      conflicting++;
      const set = conflicts.get(h) ?? new Set([prev.label]);
      conflicts.set(h, set.add(it.label));
    }
  });
  return {
    rows: items.length,
    labelCounts: countLabels(items.map((it) => it.label)),
    lengthPercentiles: lengthStats([]),
    tokenizer: 'none',
    duplicates,
    conflicting,
    duplicateExamples,
    conflictExamples: [...conflicts]
      .slice(0, EXAMPLES)
      .map(([h, labels]) => ({ text: relative(first.get(h)?.file ?? h), labels: [...labels].sort() })),
  };
}
