/**
 * The training process's check of a run against the WebGPU device it trains on (gpu-fit.ts), with the exact
 * trainable count of the built adapter. Worker-side: it reads the device's limits from tf.js's webgpu backend.
 */
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { fusedAttentionEnabled } from '../../engine/webgpu/attention.ts';
import { gpuLimits } from '../../engine/webgpu/gpu-limits.ts';
import type { Model } from '../../models/index.ts';
import { bucketsOverMemory, checkGpuFit, gpuMemoryFromEnv } from './gpu-fit.ts';
import { modelDims, rawModelConfig } from './index.ts';
import { estimateTrainable } from './sizes.ts';
import type { MemoryEstimate } from './sizes.ts';

/**
 * Throws a one-line UserError when the run cannot fit the active webgpu device; returns the memory estimate when the
 * GPU's memory is known (STUDIO_GPU_MEMORY_MB), null otherwise or on another backend.
 */
export function checkGpuRun(config: TrainConfig, model: Model, trainable: number): MemoryEstimate | null {
  const limits = gpuLimits();
  if (!limits) return null;
  const dims = modelDims(model, rawModelConfig(config.model), config);
  // The exact count scales the estimate, so a refusal's "use at most" stays consistent with this check.
  const ratio = trainable / Math.max(1, estimateTrainable(config, dims));
  const fusedAttention = fusedAttentionEnabled(dims.hiddenSize / Math.max(1, dims.numHeads));
  return checkGpuFit(config, dims, { ...limits, memoryBytes: gpuMemoryFromEnv(), fusedAttention }, (c) =>
    Math.round(ratio * estimateTrainable(c, dims)),
  );
}

/**
 * The memory estimate of the run with one captured step per length bucket when it would not fit the GPU's known
 * memory (the run then pads every batch to the max length); null when it fits, the memory is unknown or there is
 * no webgpu device.
 */
export function bucketsOverGpu(config: TrainConfig, model: Model, trainable: number): MemoryEstimate | null {
  if (!gpuLimits()) return null;
  const dims = modelDims(model, rawModelConfig(config.model), config);
  return bucketsOverMemory(config, dims, gpuMemoryFromEnv(), trainable);
}
