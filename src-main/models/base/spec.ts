/**
 * What an architecture declares about itself, so that adapters, export and the UI ask the declaration instead of
 * testing model_type names. Pure data (no tf.js): the main process and the Models page read it without loading
 * any graph. Each `models/<arch>/spec.ts` exports one (or one per model_type it reads), listed in
 * `models/architectures.ts`.
 */
import type { ForwardHooks } from './hooks.ts';
import type { CommonConfig, InputKind, ModelTask } from './types.ts';

/** The adapter hooks a graph calls; a method that needs a hook the graph never calls cannot attach. */
export type HookName = keyof ForwardHooks;

/** How the `adapters` library (AdapterHub) names this architecture's modules and classification head. */
export interface AdapterHubNames {
  /** base_model_prefix: the first segment of every module path (`<prefix>.encoder.layer.<i>…`). */
  prefix: string;
  /** The library's flex-head model class written in adapter_config.json. */
  modelClass: string;
  /**
   * The task head as a flex ClassificationHead ([Dropout, Linear, act, Dropout, Linear][:…]): how many linear
   * layers, the index of each of our head modules in it, and the pooler weight it relies on (null: no pooler).
   */
  head: { layers: number; index: Readonly<Record<string, number>>; poolerWeight: string | null } | null;
}

export interface ArchitectureSpec {
  /** config.json's model_type. */
  modelType: string;
  /** Token ids or pixel values: picks the tokenizer or the image pipeline, the playground's input, the head class. */
  inputKind: InputKind;
  /** Every hook the graph's forward pass calls (a test traces each fixture to hold this true). */
  hooks: readonly HookName[];
  /** Modules LoRA targets when the config names none (PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
  loraTargets: readonly string[];
  /** IA3's default targets and which of them scale their input (PEFT's IA3 mappings); null: no default. */
  ia3: { targets: readonly string[]; feedforward: readonly string[] } | null;
  /** Projections stored as GPT-2's Conv1D ([in, out], PEFT's fan_in_fan_out) rather than nn.Linear's [out, in]. */
  conv1d: boolean;
  /** The head modules of each task the graph implements (PEFT's modules_to_save); a task not listed has none. */
  heads: Partial<Readonly<Record<ModelTask, readonly string[]>>>;
  /** AdapterHub module names, or null when the export does not map this architecture. */
  adapterHub: AdapterHubNames | null;
  /**
   * Outputs beyond `logits` (and lastHiddenState) that the forward pass returns in `ModelOutputs.extra`, by
   * transformers' names; absent: logits only. CLIP's `logits` is logits_per_image when both inputs are given.
   */
  outputs?: readonly string[];
  /**
   * PEFT's `auto_mapping` for an adapter with no task type (the transformers class PEFT wrapped): AutoPeftModel
   * cannot pick a base class without it. Absent: null, as PEFT writes for the task types it maps itself.
   */
  peftAutoMapping?: { base_model_class: string; parent_library: string };
  /**
   * The feed-forward is gated (SwiGLU: gate and up projections, then silu(gate) times up), so a training step keeps
   * twice the feed-forward-sized activations of a plain MLP (the memory estimate, training/preflight/sizes.ts).
   */
  gatedFfn?: boolean;
}

/** The CommonConfig fields that come from the declaration rather than from config.json. */
export function declaredFields(
  spec: ArchitectureSpec,
  task: ModelTask,
): Pick<CommonConfig, 'modelType' | 'task' | 'inputKind' | 'defaultLoraTargets' | 'headModules'> {
  return {
    modelType: spec.modelType,
    task,
    inputKind: spec.inputKind,
    defaultLoraTargets: [...spec.loraTargets],
    // A fresh array: loading with a new head adds its pooler here (base/registry.ts).
    headModules: [...(spec.heads[task] ?? [])],
  };
}

/** The hooks every text transformer here calls (through base/text-prologue.ts and its layers). */
export const TEXT_TRANSFORMER_HOOKS: readonly HookName[] = [
  'linear',
  'embeddings',
  'attentionKV',
  'sublayerOutput',
];

/** BERT-style encoders also expose each layer's output (`layerOutput`); K-Adapter reads the hidden states there. */
export const ENCODER_HOOKS: readonly HookName[] = [...TEXT_TRANSFORMER_HOOKS, 'layerOutput'];
