/**
 * A LoRA task on a tiny fixture model, built as a training run builds it (buildTask): what the webgpu padding,
 * bucket and evaluation-capture tests start from. `dispose` frees the adapter and the model.
 */
import path from 'node:path';
import { trainOptionsSchema } from '../../src-shared/train-config.ts';
import { createAdapter } from '../../src-main/adapters/index.ts';
import type { AdapterInstance } from '../../src-main/adapters/index.ts';
import { loadModel } from '../../src-main/models/index.ts';
import type { Model } from '../../src-main/models/index.ts';
import { buildTask } from '../../src-main/training/session.ts';
import type { Example } from '../../src-main/training/session.ts';
import { HF_TINY_DIR } from './fixtures.ts';

export interface LoraTaskSpec {
  /** A fixture folder under HF_TINY_DIR with a base model (bert-seqcls, gpt2-lm, ...). */
  fixture: string;
  /** A causal LM's next-token task instead of 2-class classification. */
  lm: boolean;
  train: Example[];
  validation?: Example[];
  /** trainOptionsSchema input; evaluation off. */
  options: Record<string, unknown>;
  dropout?: number;
}

export function loraTask(spec: LoraTaskSpec) {
  const model: Model = loadModel(path.join(HF_TINY_DIR, spec.fixture, 'base'));
  const adapter: AdapterInstance = createAdapter(
    model,
    { type: 'lora', r: 4, alpha: 8, dropout: spec.dropout ?? 0, rslora: false },
    3,
    { numLabels: spec.lm ? 0 : 2 },
  );
  const common = {
    model,
    adapter,
    train: spec.train,
    validation: spec.validation ?? [],
    numLabels: 2,
    lm: spec.lm,
    padId: 0,
    imageSize: 32,
    options: trainOptionsSchema.parse({ evalEvery: 0, ...spec.options }),
  };
  return {
    model,
    adapter,
    /** buildTask's arguments, for a variant (a given length, say). */
    common,
    task: buildTask(common),
    dispose: () => {
      adapter.dispose();
      model.dispose();
    },
  };
}
