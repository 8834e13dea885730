/**
 * The training process's check of a run against the WebGPU device it trains on (gpu-fit.ts), with the exact
 * trainable count of the built adapter. Worker-side: it reads the device's limits from tf.js's webgpu backend.
 */
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { fusedAttentionEnabled } from '../../engine/webgpu/attention.ts';
import { gpuLimits } from '../../engine/webgpu/gpu-limits.ts';
import type { Model } from '../../models/index.ts';
import { checkGpuFit, gpuMemoryFromEnv } from './gpu-fit.ts';
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
