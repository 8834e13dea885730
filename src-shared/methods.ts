/**
 * One line per method for the New-run form and the docs: what it trains, whether it merges, what it costs at
 * inference. Pure data, shared by the UI and the CLI.
 */
import type { MethodType } from './train-config.ts';

export interface MethodDescription {
  type: MethodType;
  label: string;
  /** What the method trains, in one line. */
  trains: string;
  /** Typical share of the base model's parameters it trains. */
  typicalPercent: string;
  /** Can it be merged into the base weights (zero added latency)? */
  merges: boolean;
  inferenceCost: string;
  /** Architectures it applies to. */
  appliesTo: 'all' | 'transformers' | 'cnn';
}

export const METHOD_DESCRIPTIONS: Record<MethodType, MethodDescription> = {
  bottleneck: {
    type: 'bottleneck',
    label: 'Bottleneck adapter',
    trains:
      'small down-project / non-linearity / up-project modules after attention and/or the FFN (Houlsby, Pfeiffer)',
    typicalPercent: '0.5–4%',
    merges: false,
    inferenceCost: 'a few small matmuls per layer (a few % latency)',
    appliesTo: 'transformers',
  },
  lora: {
    type: 'lora',
    label: 'LoRA',
    trains: 'low-rank updates B·A to chosen weight matrices (e.g. query and value)',
    typicalPercent: '0.1–1%',
    merges: true,
    inferenceCost: 'none once merged into the weights',
    appliesTo: 'all',
  },
  ia3: {
    type: 'ia3',
    label: 'IA3',
    trains: 'learned scaling vectors on keys, values and the FFN activations',
    typicalPercent: '< 0.1%',
    merges: true,
    inferenceCost: 'none once merged',
    appliesTo: 'transformers',
  },
  prompt: {
    type: 'prompt',
    label: 'Prompt tuning',
    trains: 'virtual token embeddings prepended to the input',
    typicalPercent: '< 0.1%',
    merges: false,
    inferenceCost: 'a slightly longer sequence',
    appliesTo: 'transformers',
  },
  prefix: {
    type: 'prefix',
    label: 'Prefix tuning',
    trains: 'per-layer key/value prefixes (reparameterised by an MLP while training)',
    typicalPercent: '0.1–2%',
    merges: false,
    inferenceCost: 'longer keys/values in every attention layer',
    appliesTo: 'transformers',
  },
  conv: {
    type: 'conv',
    label: 'Conv-Adapter',
    trains: 'depthwise-separable convolutional bottlenecks beside the ResNet blocks',
    typicalPercent: '1–5%',
    merges: false,
    inferenceCost: 'a small convolution per block',
    appliesTo: 'cnn',
  },
  full: {
    type: 'full',
    label: 'Full fine-tuning (baseline)',
    trains: 'every weight of the model',
    typicalPercent: '100%',
    merges: true,
    inferenceCost: 'none (a whole new model to store)',
    appliesTo: 'all',
  },
  head: {
    type: 'head',
    label: 'Linear probe (baseline)',
    trains: 'only the task head on frozen features',
    typicalPercent: '< 0.1%',
    merges: true,
    inferenceCost: 'none',
    appliesTo: 'all',
  },
};
