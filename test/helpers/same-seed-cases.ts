/**
 * One row per trainable method of the registry for the same-seed tests (webgpu and wasm): the fixture it trains
 * on and its config. Methods that combine library adapters (fuse, router) get their sources made in `prepare`.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { loadModel } from '../../src-main/models/index.ts';
import type { ModelInputs } from '../../src-main/models/index.ts';
import { CLIP_FIXTURE_DIR } from './clip-folder.ts';
import { trainedLookingAdapter } from './compose.ts';
import { HF_TINY_DIR } from './fixtures.ts';
import { bottleneck16 } from './methods.ts';

export interface SameSeedCase {
  label: string;
  type: MethodConfig['type'];
  dir: string;
  /** The method config; fuse and router name adapter folders made under `tmp`. */
  method: (tmp: string) => Promise<MethodConfig>;
  tasks?: { name: string; labels: string[] }[];
  /**
   * Trained on webgpu at MIN_TOKENS tokens a batch (tf.js's split-K size), the others at 64 to keep the test
   * fast on lavapipe: the methods issue #20 saw differ (Houlsby, prompt tuning) and LoRA, which differed here.
   */
  large?: boolean;
  /** Classes of the task, where not the fixture's (a router answers which adapter: one per adapter). */
  numLabels?: number;
  /** The batch, where the fixture's reference inputs are not one (CLIP's hold texts and images, no logits). */
  inputs?: () => ModelInputs;
}

const bert = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const fixed = (m: MethodConfig) => () => Promise.resolve(m);

/** Two trained-looking bottleneck adapters of the BERT fixture, saved under `tmp`. */
async function bottleneckSources(tmp: string, tag: string): Promise<string[]> {
  const model = loadModel(bert);
  try {
    return [
      await trainedLookingAdapter(model, bottleneck16('houlsby'), 1, path.join(tmp, `${tag}-a`), [
        'a',
        'b',
        'c',
      ]),
      await trainedLookingAdapter(model, bottleneck16('pfeiffer'), 2, path.join(tmp, `${tag}-b`), [
        'd',
        'e',
        'f',
      ]),
    ];
  } finally {
    model.dispose();
  }
}

/** Registered methods that train nothing: a composition is made from library adapters, never from New run. */
export const NOT_TRAINED = new Set(['compose']);

export const SAME_SEED_CASES: SameSeedCase[] = [
  {
    label: 'bottleneck (Houlsby)',
    type: 'bottleneck',
    large: true,
    dir: bert,
    method: fixed(bottleneck16('houlsby')),
  },
  { label: 'bottleneck (Pfeiffer)', type: 'bottleneck', dir: bert, method: fixed(bottleneck16('pfeiffer')) },
  {
    label: 'lora',
    type: 'lora',
    large: true,
    dir: bert,
    method: fixed({ type: 'lora', r: 4, alpha: 8, dropout: 0.1, rslora: false }),
  },
  {
    label: 'dora',
    type: 'dora',
    dir: bert,
    method: fixed({ type: 'dora', r: 4, alpha: 8, dropout: 0.1, rslora: false }),
  },
  {
    label: 'vera',
    type: 'vera',
    dir: bert,
    method: fixed({ type: 'vera', r: 16, dInitial: 0.1, dropout: 0.1 }),
  },
  { label: 'ia3', type: 'ia3', dir: bert, method: fixed({ type: 'ia3' }) },
  {
    label: 'prompt',
    type: 'prompt',
    large: true,
    dir: bert,
    method: fixed({ type: 'prompt', virtualTokens: 5 }),
  },
  { label: 'prefix', type: 'prefix', dir: bert, method: fixed({ type: 'prefix', prefixLength: 4 }) },
  { label: 'full', type: 'full', dir: bert, method: fixed({ type: 'full' }) },
  { label: 'head', type: 'head', dir: bert, method: fixed({ type: 'head' }) },
  {
    label: 'k-adapter',
    type: 'k-adapter',
    dir: bert,
    method: fixed({ type: 'k-adapter', layers: [0, 1], adapterSize: 8, transformerLayers: 1, heads: 2 }),
  },
  {
    label: 'multitask',
    type: 'multitask',
    dir: bert,
    method: fixed({
      type: 'multitask',
      variant: 'shared-specific',
      reductionFactor: 16,
      specificReductionFactor: 64,
      taskEmbedding: 8,
      temperature: 2,
    } as MethodConfig),
    tasks: [
      { name: 'first', labels: ['LABEL_0', 'LABEL_1', 'LABEL_2'] },
      { name: 'second', labels: ['x', 'y'] },
    ],
  },
  {
    label: 'fuse',
    type: 'fuse',
    dir: bert,
    method: async (tmp) => ({ type: 'fuse', adapters: await bottleneckSources(tmp, 'fuse') }),
  },
  {
    label: 'router',
    type: 'router',
    numLabels: 2,
    dir: bert,
    method: async (tmp) => ({
      type: 'router',
      adapters: await bottleneckSources(tmp, 'router'),
      mode: 'soft',
      perTask: 600,
    }),
  },
  {
    label: 'router (layers)',
    type: 'router',
    // Trained on the tasks' own labels: the union of its adapters' (three each).
    numLabels: 6,
    dir: bert,
    method: async (tmp) => ({
      type: 'router',
      adapters: await bottleneckSources(tmp, 'router-layers'),
      mode: 'layers',
      perTask: 600,
    }),
  },
  {
    label: 'conv',
    type: 'conv',
    dir: path.join(HF_TINY_DIR, 'resnet-imgcls/base'),
    method: fixed({ type: 'conv', reductionFactor: 4 }),
  },
  {
    label: 'st-adapter',
    type: 'st-adapter',
    dir: path.join(HF_TINY_DIR, 'vit-imgcls/base'),
    method: fixed({
      type: 'st-adapter',
      reductionFactor: 4,
      temporalKernel: 3,
      spatialKernel: 1,
      activation: 'none',
    }),
  },
  {
    label: 'clip-adapter',
    type: 'clip-adapter',
    dir: path.join(CLIP_FIXTURE_DIR, 'base'),
    method: fixed({ type: 'clip-adapter', towers: 'both', reductionFactor: 4, alpha: 0.2 }),
    // Three captions (start 0, end 98 as the fixture's tokenizer) against 16 seeded images.
    inputs: () => ({
      inputIds: tf.tensor2d(
        [
          [0, 5, 9, 98],
          [0, 7, 98, 1],
          [0, 11, 12, 98],
        ],
        [3, 4],
        'int32',
      ),
      pixelValues: tf.randomNormal([16, 3, 30, 30], 0, 1, 'float32', 3) as tf.Tensor4D,
    }),
  },
];
