/** The set-up the router's matrix tests share (router-matrix, router-layers): a base and two library adapters. */
import path from 'node:path';
import { loadModel } from '../../src-main/models/index.ts';
import type { Model } from '../../src-main/models/index.ts';
import { trainedLookingAdapter } from './compose.ts';
import { HF_TINY_DIR } from './fixtures.ts';
import { bottleneck16 } from './methods.ts';
import { loadReference } from './reference.ts';

/** Every text architecture with a classifier here; GPT-2 has only its LM head, so routers refuse it. */
export const ROUTER_TEXT_FIXTURES = ['bert-seqcls', 'distilbert-seqcls', 'roberta-seqcls', 'llama-lm'];

/**
 * Two tasks with their own labels and one shared ("other"): the union has three columns. Two labels each, as many as
 * the causal LMs' classification heads are loaded with here.
 */
export const ROUTER_LABELS = [
  ['spam', 'other'],
  ['female', 'other'],
];

/**
 * A fixture's base (a causal LM loaded as a classifier: its `score` head), its transformers reference, and two
 * trained-looking bottleneck adapters saved under `dir` (Houlsby with the first labels, Pfeiffer with the second).
 */
export async function loadRouterFixture(
  fixture: string,
  dir: string,
): Promise<{ model: Model; ref: ReturnType<typeof loadReference>; sources: string[] }> {
  const base = path.join(HF_TINY_DIR, fixture, 'base');
  const model = fixture.endsWith('-lm')
    ? loadModel(base, { task: 'sequence-classification', labels: ['a', 'b'] })
    : loadModel(base);
  const ref = loadReference(base);
  const sources: string[] = [];
  for (const [i, labels] of ROUTER_LABELS.entries()) {
    const m = bottleneck16(i === 0 ? 'houlsby' : 'pfeiffer');
    sources.push(await trainedLookingAdapter(model, m, i + 5, path.join(dir, fixture, `src-${i}`), labels));
  }
  return { model, ref, sources };
}
