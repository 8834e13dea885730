import type { DatasetView } from '../../src-shared/datasets.ts';
import type { SampleView } from '../../src-shared/domain.ts';
import type { ForgettingReport } from '../../src-shared/forgetting.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import type { ReferenceChoice } from './run-forgetting.svelte.ts';

/** The references a user can pick: every sample, then the project's imported datasets (with their columns). */
export function referenceChoices(
  samples: readonly SampleView[],
  imported: readonly DatasetView[],
): ReferenceChoice[] {
  return [
    ...samples.map((s) => ({
      key: `sample:${s.name}`,
      title: `${s.title} (sample${s.kind === 'lm' ? ', text corpus' : ''})`,
      spec: { sample: s.name } as DatasetSpec,
    })),
    ...imported.map((d) => ({
      key: `dataset:${d.id}`,
      title: `${d.name} (dataset of this project)`,
      spec: { path: d.source, ...d.columns } as DatasetSpec,
    })),
  ];
}

/** A reference's short name: the sample's, or the file's base name. */
export const referenceTitle = (r: Pick<ForgettingReport, 'reference'>): string =>
  r.reference.startsWith('sample:') ? r.reference : (r.reference.split(/[\\/]/).at(-1) ?? r.reference);

const f4 = (v: number) => v.toFixed(4);
export const signed = (v: number, digits = 4): string =>
  `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
export const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** One line in words: what changed, for the run page's summary and Compare's table. */
export function verdict(r: ForgettingReport): string {
  if (r.baseWeightsChanged === 0)
    return 'Base untouched: the adapter can be removed, and the base model answers exactly as before.';
  const parts: string[] = [];
  if (r.lm) parts.push(`language-model loss ${f4(r.lm.lossBefore)} → ${f4(r.lm.lossAfter)}`);
  if (r.classification) parts.push(`${pct(r.classification.agreement)} of predictions kept`);
  return `${r.baseWeightsChanged} of ${r.baseWeights} base weights changed: ${parts.join(', ')}.`;
}
