/**
 * The training process's check of a run against the WebGPU device (training/preflight/gpu-fit.ts), with fake
 * device limits: a tensor over the largest storage binding is refused naming it and, when the batch makes it too
 * big, the batch that fits; with the GPU's memory known (STUDIO_GPU_MEMORY_MB) the estimate over it is refused;
 * a run that fits gets its estimate back.
 */
import { describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import {
  checkGpuFit,
  gpuMemoryFromEnv,
  largestTensors,
} from '../../../src-main/training/preflight/gpu-fit.ts';
import type { ModelDims } from '../../../src-main/training/preflight/index.ts';
import { estimateTrainable } from '../../../src-main/training/preflight/sizes.ts';
import { BERT_BASE_DIMS, GB, MB, preflightConfig, refusal } from '../../helpers/preflight.ts';

/** The Llama 3.2 1B shape as a causal LM (LoRA on q and v of its 16 layers). */
const LLAMA: ModelDims = {
  inputKind: 'text',
  hiddenSize: 2048,
  numLayers: 16,
  numHeads: 32,
  kvHeads: 8,
  vocabSize: 128256,
  maxPositions: 131072,
  ffnSize: 8192,
  imageTokens: 0,
  totalParams: 1_235_814_400,
  outputsPerToken: 128256,
  causalLm: true,
  loraTargetWidths: Array.from({ length: 32 }, (_, i) => (i % 2 ? 512 : 2048)),
};
/** GPT-2 medium. */
const GPT2M: ModelDims = {
  ...LLAMA,
  hiddenSize: 1024,
  numLayers: 24,
  numHeads: 16,
  kvHeads: 16,
  vocabSize: 50257,
  maxPositions: 1024,
  ffnSize: 4096,
  totalParams: 354_823_168,
  outputsPerToken: 50257,
  loraTargetWidths: Array.from({ length: 24 }, () => 1024),
};

const config = (train: object): TrainConfig => preflightConfig({ type: 'lora', r: 8 }, train);
const count = (dims: ModelDims) => (c: TrainConfig) => estimateTrainable(c, dims);
const limits = (bindingBytes: number, memoryBytes: number | null = null) => ({
  maxBufferSize: 4 * GB,
  maxStorageBufferBindingSize: bindingBytes,
  memoryBytes,
});

describe('checkGpuFit', () => {
  it('refuses a model whose embedding is over the largest binding, whatever the batch', () => {
    // 128256 x 2048 floats: 1,050,673,152 bytes (1002 MiB).
    const msg = refusal(() =>
      checkGpuFit(config({ batchSize: 1, maxLength: 128 }), LLAMA, limits(1000 * MB), count(LLAMA)),
    );
    expect(msg).toBe(
      "model: the embedding matrix (128256 x 2048) is a 1002 MB buffer, over this GPU's largest buffer of 1000 MB (maxStorageBufferBindingSize); this GPU cannot train this model (use the wasm backend or a smaller model)",
    );
    expect(msg).not.toContain('\n');
  });

  it('names the batch that fits when the logits are what is too big', () => {
    // 16 x 1024 x 50257 floats = 3.07 GB; one example's logits are 196 MB, so 10 fit in 2 GB.
    const c = config({ batchSize: 16, maxLength: 1024 });
    const msg = refusal(() => checkGpuFit(c, GPT2M, limits(2 * GB), count(GPT2M)));
    expect(msg).toMatch(
      /^train\.batchSize: 16 makes the logits \(16 x 1024 x 50257\) a 3\.07 GB buffer, over this GPU's largest buffer of 2\.00 GB \(maxStorageBufferBindingSize\); use at most 10$/,
    );
    const perExample = 4 * 1024 * 50257;
    expect(Math.floor((2 * GB) / perExample)).toBe(10);
    // The batch it names passes the binding check.
    expect(
      checkGpuFit(config({ batchSize: 10, maxLength: 1024 }), GPT2M, limits(2 * GB), count(GPT2M)),
    ).toBeNull();
  });

  it('takes the smaller of maxBufferSize and the binding limit', () => {
    const l = { maxBufferSize: 512 * MB, maxStorageBufferBindingSize: 4 * GB, memoryBytes: null };
    const msg = refusal(() => checkGpuFit(config({ batchSize: 4, maxLength: 256 }), LLAMA, l, count(LLAMA)));
    expect(msg).toContain('(maxBufferSize)');
  });

  it('refuses an estimate over the GPU memory the user gave, with the estimate', () => {
    // 1.24B float32 weights alone are 4.6 GB.
    const msg = refusal(() =>
      checkGpuFit(config({ batchSize: 4, maxLength: 256 }), LLAMA, limits(4 * GB, 4 * GB), count(LLAMA)),
    );
    expect(msg).toMatch(
      /needs about [\d.]+ GB of memory, over the budget of 4\.00 GB \(STUDIO_GPU_MEMORY_MB\)/,
    );
  });

  it('returns the estimate of a run that fits, and nothing to compare without the GPU memory', () => {
    const c = config({ batchSize: 4, maxLength: 256 });
    const est = checkGpuFit(c, LLAMA, limits(4 * GB, 80 * GB), count(LLAMA));
    expect(est?.weights).toBeCloseTo((4 * LLAMA.totalParams) / MB, 3);
    expect(est?.total).toBeGreaterThan(est?.weights ?? Infinity);
    expect(checkGpuFit(c, LLAMA, limits(4 * GB), count(LLAMA))).toBeNull();
  });

  it('leaves the attention scores out where attention runs fused (they are never a tensor there)', () => {
    // A BERT-base classifier at 512 tokens: 64 x 12 x 512 x 512 scores are 768 MB, the rest under 400 MB.
    const bert = BERT_BASE_DIMS;
    const c = config({ batchSize: 64, maxLength: 512 });
    const msg = refusal(() => checkGpuFit(c, bert, limits(512 * MB), count(bert)));
    expect(msg).toMatch(/^train\.batchSize: 64 makes the attention scores .* use at most 42$/);
    expect(() =>
      checkGpuFit(c, bert, { ...limits(512 * MB), fusedAttention: true }, count(bert)),
    ).not.toThrow();
    const names = (fused: boolean) => largestTensors(c, bert, 64, fused).map((t) => t.what.split(' (')[0]);
    expect(names(false)).toContain('the attention scores');
    expect(names(true)).not.toContain('the attention scores');
  });

  it('lists the step tensors the check compares', () => {
    const t = largestTensors(config({ batchSize: 4, maxLength: 256 }), LLAMA);
    const by = Object.fromEntries(t.map((x) => [x.what.split(' (')[0], x.bytes]));
    expect(by['the logits']).toBe(4 * 4 * 256 * 128256);
    expect(by['the embedding matrix']).toBe(4 * 128256 * 2048);
    expect(by['the attention scores']).toBe(4 * 4 * 32 * 256 * 256);
    expect(by['the feed-forward activations']).toBe(4 * 4 * 256 * 8192);
  });
});

describe('estimateTrainable on a causal LM', () => {
  it("counts LoRA's matrices and not the frozen LM head", () => {
    const c = config({ batchSize: 4, maxLength: 256 });
    // r x (in + out) >= 2 r min(in, out) per target: 16 layers of q (2048) and v (512).
    expect(estimateTrainable(c, LLAMA)).toBe(8 * 16 * 2 * (2048 + 512));
    // A classifier's head does train: hidden x labels on top.
    const classifier = { ...LLAMA, causalLm: false, outputsPerToken: 2 };
    expect(estimateTrainable(c, classifier)).toBe(2048 * 2 + 8 * 16 * 2 * (2048 + 512));
  });
});

describe('gpuMemoryFromEnv', () => {
  it('reads STUDIO_GPU_MEMORY_MB, ignoring what is not a positive number', () => {
    expect(gpuMemoryFromEnv({ STUDIO_GPU_MEMORY_MB: '81920' })).toBe(80 * GB);
    expect(gpuMemoryFromEnv({})).toBeNull();
    expect(gpuMemoryFromEnv({ STUDIO_GPU_MEMORY_MB: 'lots' })).toBeNull();
    expect(gpuMemoryFromEnv({ STUDIO_GPU_MEMORY_MB: '-1' })).toBeNull();
  });
});
