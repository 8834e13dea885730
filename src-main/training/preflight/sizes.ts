/**
 * Size caps and a memory estimate for a train config, checked before a run starts (runs:start, the CLI's train,
 * continual and resume, the New-run preview). Pure arithmetic on the model's dimensions: nothing here allocates
 * a tensor, so a config asking for a billion-wide LoRA is refused in microseconds instead of crashing tf.js.
 */
import os from 'node:os';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { UserError } from '../../errors.ts';

/** What the checks need to know of a base model (from its config.json and one traced forward pass). */
export interface ModelDims {
  inputKind: 'text' | 'image';
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads (fewer than numHeads with grouped-query attention). */
  kvHeads: number;
  vocabSize: number;
  /** Longest sequence the position embeddings (or RoPE's trained range) cover; null when unbounded. */
  maxPositions: number | null;
  /** Feed-forward width (intermediate_size, n_inner), for activation memory. */
  ffnSize: number;
  /** A gated feed-forward (SwiGLU): twice the feed-forward-sized activations (ArchitectureSpec.gatedFfn). */
  gatedFfn?: boolean;
  /** Tokens (patches) an image becomes, for image models. */
  imageTokens: number;
  /** Scalars of the base model. */
  totalParams: number;
  /** Output logits per token: the vocabulary for a language model, else the labels. */
  outputsPerToken: number;
  /** A causal LM trained on next tokens: its LM head stays frozen under every method but full fine-tuning. */
  causalLm?: boolean;
  /** Widths of the linear modules a LoRA config targets (min of in and out), when known. */
  loraTargetWidths: number[];
}

export interface MemoryEstimate {
  /** MiB of float32 for the base weights, the trained weights' gradients plus AdamW moments, and activations. */
  weights: number;
  optimizer: number;
  activations: number;
  total: number;
}

const MB = 2 ** 20;
const GB = 2 ** 30;

/** Share of the machine's memory a run may plan to use; the rest stays for the OS, the app and tf.js's copies. */
export const MEMORY_SHARE = 0.5;

/**
 * The memory a run may use, in bytes: STUDIO_MEMORY_BUDGET_MB when set (a GPU's limit, or a smaller share on a
 * shared machine), else half of the machine's memory.
 */
export function memoryBudget(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.STUDIO_MEMORY_BUDGET_MB);
  if (env.STUDIO_MEMORY_BUDGET_MB && Number.isFinite(mb) && mb > 0) return mb * MB;
  return os.totalmem() * MEMORY_SHARE;
}

/** Tokens per example the model sees: the text (plus a prompt's virtual tokens), or an image's patches. */
export function sequenceLength(config: TrainConfig, dims: ModelDims): number {
  if (dims.inputKind === 'image') return dims.imageTokens;
  const virtual = config.method.type === 'prompt' ? config.method.virtualTokens : 0;
  return config.train.maxLength + virtual;
}

/** The scalars a method trains, from the dimensions alone (the exact count comes once the adapter is built). */
export function estimateTrainable(config: TrainConfig, dims: ModelDims): number {
  const m = config.method;
  const h = dims.hiddenSize;
  const L = dims.numLayers;
  // A classifier's head trains with every method; a causal LM's vocabulary-wide head does not (it would otherwise
  // count a Llama 1B's 263M-weight embedding as trained: 3 GB of optimizer state that no run allocates).
  const head = dims.causalLm ? 0 : h * Math.max(2, dims.outputsPerToken);
  switch (m.type) {
    case 'lora':
      // A is [in, r] and B is [r, out]; (in + out) >= 2 * min(in, out), so this never overestimates.
      return head + m.r * dims.loraTargetWidths.reduce((s, w) => s + 2 * w, 0);
    case 'bottleneck': {
      const size = m.bottleneckSize ?? Math.max(1, Math.floor(h / (m.reductionFactor ?? 16)));
      const positions = m.variant === 'houlsby' ? 2 : 1;
      return head + L * positions * (2 * h * size + size + h);
    }
    case 'prompt':
      return head + m.virtualTokens * h;
    case 'prefix': {
      const headDim = h / Math.max(1, dims.numHeads);
      const kv = 2 * dims.kvHeads * headDim * L;
      const proj = m.projectionSize ?? h;
      // While training, a two-layer MLP produces the prefixes from an embedding per position.
      return head + m.prefixLength * h + h * proj + proj * kv + m.prefixLength * kv;
    }
    case 'full':
      return dims.totalParams;
    default:
      // ia3, conv, head: vectors or small convolutions, far below the base's size.
      return head + 4 * L * h;
  }
}

/**
 * Training memory in float32: the weights; for what trains, its gradient plus AdamW's two moments; activations
 * kept for the backward pass, per layer about 16 hidden-sized and 2 FFN-sized vectors per token (4 when the FFN is
 * gated) plus the attention probabilities (heads x seq x keys), and the output logits with their softmax and
 * gradient. Checked against the GPU memory a LoRA step of GPT-2 and Llama shapes held at its peak (tf.js's buffer
 * pool, test/bench/RESULTS.md): within 6% of it on the stand-ins measured on lavapipe.
 */
export function estimateMemory(config: TrainConfig, dims: ModelDims, trainable: number): MemoryEstimate {
  const o = config.train;
  const seq = sequenceLength(config, dims);
  const keys = seq + (config.method.type === 'prefix' ? config.method.prefixLength : 0);
  const tokens = o.batchSize * seq;
  const perLayer =
    tokens * (16 * dims.hiddenSize + (dims.gatedFfn ? 4 : 2) * dims.ffnSize) +
    2 * o.batchSize * dims.numHeads * seq * keys;
  const logitsPerExample = dims.outputsPerToken > 64 ? seq * dims.outputsPerToken : dims.outputsPerToken;
  const weights = (4 * dims.totalParams) / MB;
  const optimizer = (3 * 4 * trainable) / MB;
  const activations = (4 * (dims.numLayers * perLayer + 3 * o.batchSize * logitsPerExample)) / MB;
  return { weights, optimizer, activations, total: weights + optimizer + activations };
}

const fmtGB = (bytes: number) => `${(bytes / GB).toFixed(bytes < 10 * GB ? 2 : 0)} GB`;

/** Largest integer in [1, hi] for which `fits` holds (fits is monotone decreasing), or 0 when none does. */
function largestFitting(hi: number, fits: (n: number) => boolean): number {
  if (!fits(1)) return 0;
  let lo = 1;
  let top = Math.max(1, Math.floor(hi));
  while (lo < top) {
    const mid = Math.ceil((lo + top) / 2);
    if (fits(mid)) lo = mid;
    else top = mid - 1;
  }
  return lo;
}

/**
 * Refuses sizes the model cannot take: a rank or bottleneck wider than the layers, a sequence longer than the
 * positions. Each refusal is one line naming the field and the largest value that would work.
 */
export function checkSizes(config: TrainConfig, dims: ModelDims): void {
  const m = config.method;
  const o = config.train;
  const h = dims.hiddenSize;
  if (m.type === 'lora') {
    const width = dims.loraTargetWidths.length ? Math.min(...dims.loraTargetWidths) : h;
    if (m.r > width)
      throw new UserError(
        `method.r: lora.r ${m.r} is larger than the layer width ${width}; use at most ${width}`,
      );
  }
  if (m.type === 'bottleneck') {
    if (m.bottleneckSize !== undefined && m.bottleneckSize > h)
      throw new UserError(
        `method.bottleneckSize: ${m.bottleneckSize} is larger than the hidden size ${h}; use at most ${h}`,
      );
    if (m.bottleneckSize === undefined && m.reductionFactor !== undefined && m.reductionFactor > h)
      throw new UserError(
        `method.reductionFactor: ${m.reductionFactor} leaves no bottleneck of the hidden size ${h}; use at most ${h}`,
      );
  }
  if (dims.inputKind === 'text' && dims.maxPositions !== null) {
    const max = dims.maxPositions;
    if (o.maxLength > max)
      throw new UserError(
        `train.maxLength: ${o.maxLength} is longer than the model's ${max} positions; use at most ${max}`,
      );
    if (m.type === 'prompt' && m.virtualTokens + o.maxLength > max) {
      const room = max - o.maxLength;
      throw new UserError(
        `method.virtualTokens: ${m.virtualTokens} virtual tokens plus train.maxLength ${o.maxLength} exceed the model's ${max} positions; use at most ${Math.max(0, room)}${room < 1 ? ' (lower train.maxLength first)' : ''}`,
      );
    }
    if (m.type === 'prefix' && m.prefixLength > max)
      throw new UserError(
        `method.prefixLength: ${m.prefixLength} is longer than the model's ${max} positions; use at most ${max}`,
      );
  }
}

/** The knob of a method that sizes what it trains, to name in a memory refusal. */
function sizeKnob(
  config: TrainConfig,
): { field: string; value: number; with: (n: number) => TrainConfig } | null {
  const m = config.method;
  const put = (patch: object) => ({ ...config, method: { ...m, ...patch } }) as TrainConfig;
  if (m.type === 'lora') return { field: 'method.r', value: m.r, with: (r) => put({ r }) };
  if (m.type === 'bottleneck' && m.bottleneckSize !== undefined)
    return {
      field: 'method.bottleneckSize',
      value: m.bottleneckSize,
      with: (n) => put({ bottleneckSize: n }),
    };
  if (m.type === 'prompt')
    return { field: 'method.virtualTokens', value: m.virtualTokens, with: (n) => put({ virtualTokens: n }) };
  if (m.type === 'prefix' && m.projectionSize !== undefined)
    return {
      field: 'method.projectionSize',
      value: m.projectionSize,
      with: (n) => put({ projectionSize: n }),
    };
  if (m.type === 'prefix')
    return { field: 'method.prefixLength', value: m.prefixLength, with: (n) => put({ prefixLength: n }) };
  return null;
}

/**
 * Refuses a run whose estimated memory exceeds the budget, naming what would fit: a smaller batch when one does,
 * else a smaller size for the method, else the model itself. `trainable` defaults to the estimate from the dims.
 */
export function checkMemory(
  config: TrainConfig,
  dims: ModelDims,
  budget = memoryBudget(),
  trainable?: (c: TrainConfig) => number,
  /** The setting that sets the budget, named in the refusal (the GPU's check passes STUDIO_GPU_MEMORY_MB). */
  budgetSetting = 'STUDIO_MEMORY_BUDGET_MB',
): MemoryEstimate {
  const count = trainable ?? ((c: TrainConfig) => estimateTrainable(c, dims));
  const bytes = (c: TrainConfig) => estimateMemory(c, dims, count(c)).total * MB;
  const est = estimateMemory(config, dims, count(config));
  const need = est.total * MB;
  if (need <= budget) return est;
  const o = config.train;
  const what = `needs about ${fmtGB(need)} of memory, over the budget of ${fmtGB(budget)} (${budgetSetting})`;
  const batch = largestFitting(
    o.batchSize - 1,
    (b) => bytes({ ...config, train: { ...o, batchSize: b } }) <= budget,
  );
  if (batch > 0) throw new UserError(`train.batchSize: ${o.batchSize} ${what}; use at most ${batch}`);
  const single = { ...config, train: { ...o, batchSize: 1 } };
  const knob = sizeKnob(single);
  if (knob) {
    const n = largestFitting(knob.value - 1, (v) => bytes(knob.with(v)) <= budget);
    if (n > 0)
      throw new UserError(`${knob.field}: ${knob.value} ${what}; use at most ${n} (with train.batchSize 1)`);
  }
  if (dims.inputKind === 'text') {
    const len = largestFitting(
      o.maxLength - 1,
      (l) => bytes({ ...single, train: { ...single.train, maxLength: l } }) <= budget,
    );
    if (len > 0)
      throw new UserError(
        `train.maxLength: ${o.maxLength} ${what}; use at most ${len} (with train.batchSize 1)`,
      );
  }
  throw new UserError(
    `method.type: ${config.method.type} on this model ${what} even with train.batchSize 1; use a smaller model or a lighter method`,
  );
}
