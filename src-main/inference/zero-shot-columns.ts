/**
 * A CLIP base in the playground: the labels ranked for the image by their prompts (zero-shot), by the base and
 * with each adapter attached to its towers in turn. One column each, timed as the user waits for it.
 */
import type { PlaygroundResult, PredictionColumn } from '../../src-shared/library.ts';
import { loadAdapter } from '../adapters/io.ts';
import { UserError } from '../errors.ts';
import type { Model } from '../models/index.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';
import type { PredictRequest } from './predict.ts';
import { imageFromBase64, parseLabels, zeroShot } from './zero-shot.ts';

export async function zeroShotColumns(
  entry: { model: Model; tok: TextTokenizer | null; dir: string },
  loadMs: number | null,
  req: PredictRequest,
): Promise<PlaygroundResult> {
  if (!req.imageBase64) throw new UserError('this is a CLIP model: drop or choose an image');
  if (!entry.tok) throw new UserError('this model has no tokenizer');
  const labels = parseLabels(req.labels ?? []);
  const input = {
    model: entry.model,
    tok: entry.tok,
    dir: entry.dir,
    images: [imageFromBase64(req.imageBase64)],
    labels,
    ...(req.template ? { template: req.template } : {}),
  };
  const k = req.topK ?? labels.length;
  const t0 = performance.now();
  const top = (await zeroShot(input))[0]?.slice(0, k) ?? null;
  const columns: PredictionColumn[] = [
    {
      key: 'base',
      title: 'Base model (zero-shot)',
      top,
      note: null,
      applyMs: null,
      forwardMs: performance.now() - t0,
      removeMs: null,
    },
  ];
  for (const a of req.adapters) {
    try {
      const t1 = performance.now();
      const adapter = loadAdapter(entry.model, a.dir);
      const applyMs = performance.now() - t1;
      const t2 = performance.now();
      let ranked: PredictionColumn['top'];
      let forwardMs: number;
      let removeMs: number;
      try {
        ranked = (await zeroShot({ ...input, hooks: adapter.hooks }))[0]?.slice(0, k) ?? null;
        forwardMs = performance.now() - t2;
      } finally {
        const t3 = performance.now();
        adapter.dispose();
        removeMs = performance.now() - t3;
      }
      columns.push({ key: a.key, title: a.title, top: ranked, note: null, applyMs, forwardMs, removeMs });
    } catch (err) {
      const note = err instanceof Error ? err.message : String(err);
      columns.push({
        key: a.key,
        title: a.title,
        top: null,
        note,
        applyMs: null,
        forwardMs: null,
        removeMs: null,
      });
    }
  }
  return { model: req.model, loadMs, columns };
}
