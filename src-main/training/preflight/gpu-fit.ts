/**
 * Whether a run fits the WebGPU device it is about to train on, checked in the training process once the backend
 * is chosen and before the first step (pre-flight runs elsewhere, on the cpu backend, and cannot see the GPU).
 * Two limits: every tensor tf.js computes on is one storage binding, so the largest tensor of a step must fit the
 * device's maxStorageBufferBindingSize (and maxBufferSize); and the whole step must fit the GPU's memory, which
 * WebGPU does not expose: STUDIO_GPU_MEMORY_MB gives it (the total is not checked without it). Pure arithmetic on
 * the model's dimensions, with sizes.ts' estimate; each refusal is one line with the estimate and what would fit.
 */
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { UserError } from '../../errors.ts';
import { capturedLengths } from '../length-buckets.ts';
import { checkMemory, estimateMemory, sequenceLength } from './sizes.ts';
import type { MemoryEstimate, ModelDims } from './sizes.ts';

export interface GpuFitLimits {
  /** Bytes: the device's largest buffer and largest storage binding (engine/webgpu/gpu-limits.ts). */
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** The GPU's memory in bytes (STUDIO_GPU_MEMORY_MB), or null when unknown. */
  memoryBytes: number | null;
  /** Attention runs as the fused kernels (engine/webgpu/attention.ts), which never store the scores. */
  fusedAttention?: boolean;
}

const MB = 2 ** 20;
const GB = 2 ** 30;
const size = (bytes: number) =>
  bytes >= GB ? `${(bytes / GB).toFixed(2)} GB` : `${(bytes / MB).toFixed(0)} MB`;

/** The GPU's memory from STUDIO_GPU_MEMORY_MB, in bytes; null when unset or not a positive number. */
export function gpuMemoryFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const mb = Number(env.STUDIO_GPU_MEMORY_MB);
  return env.STUDIO_GPU_MEMORY_MB && Number.isFinite(mb) && mb > 0 ? mb * MB : null;
}

interface Buffer {
  what: string;
  bytes: number;
  /** Whether it shrinks with the batch (a smaller train.batchSize is then the way out). */
  perExample: boolean;
}

/**
 * The largest float32 tensors of one training step: the token embedding (a causal LM's tied head reads it whole),
 * the logits over the vocabulary with their softmax and gradient, the attention scores of a layer, and a layer's
 * feed-forward activations. With fused attention the scores are never a tensor: they are left out.
 */
export function largestTensors(
  config: TrainConfig,
  dims: ModelDims,
  batch = config.train.batchSize,
  fusedAttention = false,
): Buffer[] {
  const seq = sequenceLength(config, dims);
  const keys = seq + (config.method.type === 'prefix' ? config.method.prefixLength : 0);
  const scores: Buffer = {
    what: `the attention scores (${batch} x ${dims.numHeads} heads x ${seq} x ${keys})`,
    bytes: 4 * batch * dims.numHeads * seq * keys,
    perExample: true,
  };
  const out: Buffer[] = [
    ...(fusedAttention ? [] : [scores]),
    {
      what: `the feed-forward activations (${batch} x ${seq} x ${dims.ffnSize})`,
      bytes: 4 * batch * seq * dims.ffnSize,
      perExample: true,
    },
  ];
  if (dims.inputKind === 'text' && dims.vocabSize > 0)
    out.push({
      what: `the embedding matrix (${dims.vocabSize} x ${dims.hiddenSize})`,
      bytes: 4 * dims.vocabSize * dims.hiddenSize,
      perExample: false,
    });
  if (dims.outputsPerToken > 64)
    out.push({
      what: `the logits (${batch} x ${seq} x ${dims.outputsPerToken})`,
      bytes: 4 * batch * seq * dims.outputsPerToken,
      perExample: true,
    });
  return out;
}

/**
 * Refuses a run the device cannot hold: a tensor over its largest binding (naming the batch size that fits, when
 * the batch is what makes it too big), or, when the GPU's memory is known, the estimate over it. Returns the
 * estimate it checked (sizes.ts' formula: weights, trained weights' gradients and AdamW moments, activations).
 */
export function checkGpuFit(
  config: TrainConfig,
  dims: ModelDims,
  limits: GpuFitLimits,
  trainable: (c: TrainConfig) => number,
): MemoryEstimate | null {
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const limitName =
    limits.maxStorageBufferBindingSize <= limits.maxBufferSize
      ? 'maxStorageBufferBindingSize'
      : 'maxBufferSize';
  const fused = limits.fusedAttention ?? false;
  const over = largestTensors(config, dims, config.train.batchSize, fused).filter((b) => b.bytes > binding);
  const fixed = over.find((b) => !b.perExample);
  const largest = `this GPU's largest buffer of ${size(binding)} (${limitName})`;
  if (fixed)
    throw new UserError(
      `model: ${fixed.what} is a ${size(fixed.bytes)} buffer, over ${largest}; this GPU cannot train this model (use the wasm backend or a smaller model)`,
    );
  const first = over[0];
  if (first) {
    const fits = (b: number) => largestTensors(config, dims, b, fused).every((t) => t.bytes <= binding);
    let batch = config.train.batchSize - 1;
    while (batch > 0 && !fits(batch)) batch--;
    throw new UserError(
      `train.batchSize: ${config.train.batchSize} makes ${first.what} a ${size(first.bytes)} buffer, over ${largest}; ${batch > 0 ? `use at most ${batch}` : 'lower train.maxLength'}`,
    );
  }
  if (limits.memoryBytes === null) return null;
  return checkMemory(config, dims, limits.memoryBytes, trainable, 'STUDIO_GPU_MEMORY_MB');
}

/**
 * The estimate with one captured step per length bucket (gpu-steps.ts), each holding its own activations, when
 * that would not fit the GPU's memory: the run then pads every batch to the max length (one capture) as before.
 * Null when it fits, or when the memory is unknown.
 */
export function bucketsOverMemory(
  config: TrainConfig,
  dims: ModelDims,
  memoryBytes: number | null,
  trainable: number,
): MemoryEstimate | null {
  if (memoryBytes === null || dims.inputKind !== 'text') return null;
  const one = estimateMemory(config, dims, trainable);
  const activations = capturedLengths(config.train.maxLength)
    .map((maxLength) => estimateMemory({ ...config, train: { ...config.train, maxLength } }, dims, trainable))
    .reduce((sum, e) => sum + e.activations, 0);
  const est = { ...one, activations, total: one.weights + one.optimizer + activations };
  return est.total * MB > memoryBytes ? est : null;
}
