/**
 * adapter_config.json as PEFT 0.21 writes it, key for key, so PEFT loads what we save; on read, keys we do not
 * know (a newer PEFT) are reported as warnings, never errors.
 */
import { z } from 'zod';
import type { PeftType } from './names.ts';
import { findArchitecture } from '../../models/architectures.ts';

const KNOWN_KEYS: Record<PeftType, string[]> = {
  LORA: [
    'alora_invocation_tokens',
    'alpha_pattern',
    'arrow_config',
    'auto_mapping',
    'base_model_name_or_path',
    'bias',
    'corda_config',
    'ensure_weight_tying',
    'eva_config',
    'exclude_modules',
    'fan_in_fan_out',
    'inference_mode',
    'init_lora_weights',
    'kasa_config',
    'layer_replication',
    'layers_pattern',
    'layers_to_transform',
    'loftq_config',
    'lora_alpha',
    'lora_bias',
    'lora_dropout',
    'lora_ga_config',
    'megatron_config',
    'megatron_core',
    'modules_to_save',
    'monteclora_config',
    'peft_type',
    'peft_version',
    'qalora_group_size',
    'r',
    'rank_pattern',
    'revision',
    'target_modules',
    'target_parameters',
    'task_type',
    'trainable_token_indices',
    'use_bdlora',
    'use_dora',
    'use_qalora',
    'use_rslora',
    'velora_config',
  ],
  IA3: [
    'auto_mapping',
    'base_model_name_or_path',
    'exclude_modules',
    'fan_in_fan_out',
    'feedforward_modules',
    'inference_mode',
    'init_ia3_weights',
    'modules_to_save',
    'peft_type',
    'peft_version',
    'revision',
    'target_modules',
    'task_type',
  ],
  PROMPT_TUNING: [
    'auto_mapping',
    'base_model_name_or_path',
    'inference_mode',
    'modules_to_save',
    'num_attention_heads',
    'num_layers',
    'num_transformer_submodules',
    'num_virtual_tokens',
    'peft_type',
    'peft_version',
    'prompt_tuning_init',
    'prompt_tuning_init_text',
    'revision',
    'task_type',
    'token_dim',
    'tokenizer_kwargs',
    'tokenizer_name_or_path',
  ],
};

export const peftConfigSchema = z
  .object({
    peft_type: z.enum(['LORA', 'IA3', 'PROMPT_TUNING']),
    r: z.number().int().positive().optional(),
    lora_alpha: z.number().positive().optional(),
    lora_dropout: z.number().min(0).max(1).optional(),
    use_rslora: z.boolean().optional(),
    use_dora: z.boolean().optional(),
    fan_in_fan_out: z.boolean().optional(),
    target_modules: z.union([z.array(z.string()), z.string()]).nullish(),
    feedforward_modules: z.union([z.array(z.string()), z.string()]).nullish(),
    num_virtual_tokens: z.number().int().positive().optional(),
    rank_pattern: z.record(z.string(), z.unknown()).optional(),
    alpha_pattern: z.record(z.string(), z.unknown()).optional(),
    task_type: z.string().nullish(),
  })
  .passthrough();
export type PeftConfig = z.infer<typeof peftConfigSchema>;

export function unknownKeys(config: Record<string, unknown>, type: PeftType): string[] {
  const known = new Set(KNOWN_KEYS[type]);
  return Object.keys(config).filter((k) => !known.has(k));
}

const TASK_TYPES: Record<string, string | null> = {
  'sequence-classification': 'SEQ_CLS',
  'causal-lm': 'CAUSAL_LM',
  'masked-lm': null,
  'image-classification': null,
  base: null,
};

/** A complete adapter_config.json in PEFT 0.21's shape. */
export function peftConfigJson(
  type: PeftType,
  fields: Record<string, unknown>,
  ctx: { task: string; modelType: string; numLayers: number; numHeads: number; hiddenSize: number },
): Record<string, unknown> {
  const base: Record<string, unknown> = Object.fromEntries(KNOWN_KEYS[type].map((k) => [k, null]));
  const conv1d = findArchitecture(ctx.modelType)?.conv1d ?? false;
  const common = {
    inference_mode: true,
    peft_type: type,
    peft_version: '0.21.0',
    task_type: TASK_TYPES[ctx.task] ?? null,
    modules_to_save: ctx.task === 'sequence-classification' ? ['classifier', 'score'] : null,
  };
  if (type === 'LORA') {
    Object.assign(base, {
      alpha_pattern: {},
      bias: 'none',
      ensure_weight_tying: false,
      fan_in_fan_out: conv1d,
      init_lora_weights: true,
      loftq_config: {},
      lora_bias: false,
      lora_dropout: 0,
      megatron_core: 'megatron.core',
      qalora_group_size: 16,
      rank_pattern: {},
      use_dora: false,
      use_qalora: false,
      use_rslora: false,
    });
  } else if (type === 'IA3') {
    Object.assign(base, { fan_in_fan_out: conv1d, init_ia3_weights: true });
  } else {
    Object.assign(base, {
      num_attention_heads: ctx.numHeads,
      num_layers: ctx.numLayers,
      num_transformer_submodules: 1,
      prompt_tuning_init: 'RANDOM',
      token_dim: ctx.hiddenSize,
    });
  }
  return Object.fromEntries(
    Object.entries({ ...base, ...common, ...fields }).sort(([a], [b]) => a.localeCompare(b)),
  );
}
