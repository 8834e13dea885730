/** The stats a dataset record stores and the Datasets page shows: the loader's numbers plus a length histogram. */
import type { DatasetStatsView } from '../../src-shared/datasets.ts';
import { lengthHistogram } from './histogram.ts';
import { whitespaceTokens } from './stats.ts';
import type { LoadedDataset } from './types.ts';

/** Whitespace-token length of every example (lm: every non-empty line; images have none). */
export function exampleLengths(d: LoadedDataset): number[] {
  if (d.kind === 'image') return [];
  if (d.kind === 'lm')
    return d.text
      .split('\n')
      .filter((l) => l.trim())
      .map(whitespaceTokens);
  return d.rows.map((r) => whitespaceTokens(r.textPair === undefined ? r.text : `${r.text} ${r.textPair}`));
}

/** Stats of a loaded dataset for the DB and the UI (conflict texts are left out: they can be long). */
export function statsView(d: LoadedDataset): DatasetStatsView {
  const s = d.stats;
  const lengths = exampleLengths(d);
  return {
    rows: s.rows,
    labelCounts: s.labelCounts,
    lengthPercentiles: s.lengthPercentiles,
    tokenizer: s.tokenizer,
    duplicates: s.duplicates,
    conflicting: s.conflicting,
    duplicateExamples: s.duplicateExamples,
    ...(s.valueRange ? { valueRange: s.valueRange } : {}),
    ...(s.characters !== undefined ? { characters: s.characters } : {}),
    ...(lengths.length > 0 ? { lengthHistogram: lengthHistogram(lengths, 'whitespace') } : {}),
  };
}
