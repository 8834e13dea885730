/** LoRA in PEFT's files: peft_type LORA; A/B as `<module>.lora_A.weight` [r, in] / `lora_B.weight` [out, r]. */
import { z } from 'zod';
import type { RawTensor } from '../../engine/safetensors/index.ts';
import type { PeftCodec, PeftModelContext } from '../peft/codec.ts';
import { headFromPeft, headToPeft, stripPrefix, transposeRaw } from '../peft/names.ts';
import type { loraSchema } from './schema.ts';
import { UserError } from '../../errors.ts';
import { parsePeftConfig } from '../peft/config.ts';

export const LORA_KEYS = [
  'alora_invocation_tokens',
  'alpha_pattern',
  'arrow_config',
  'bias',
  'corda_config',
  'ensure_weight_tying',
  'eva_config',
  'exclude_modules',
  'fan_in_fan_out',
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
  'monteclora_config',
  'qalora_group_size',
  'r',
  'rank_pattern',
  'target_modules',
  'target_parameters',
  'trainable_token_indices',
  'use_bdlora',
  'use_dora',
  'use_qalora',
  'use_rslora',
  'velora_config',
] as const;

/** The LoraConfig keys we read (LoRA and DoRA share them). */
export const peftLoraSchema = z
  .object({
    r: z.number().int().positive().optional(),
    lora_alpha: z.number().positive().optional(),
    lora_dropout: z.number().min(0).lt(1).optional(),
    use_rslora: z.boolean().optional(),
    use_dora: z.boolean().optional(),
    target_modules: z.union([z.array(z.string()), z.string()]).nullish(),
    rank_pattern: z.record(z.string(), z.unknown()).optional(),
    alpha_pattern: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

/** Our lora-style options from a LoraConfig; refuses what we cannot represent, naming the key. */
export function loraOptionsFromPeft(raw: Record<string, unknown>): Record<string, unknown> {
  const c = parsePeftConfig(peftLoraSchema, raw);
  if (Object.keys(c.rank_pattern ?? {}).length || Object.keys(c.alpha_pattern ?? {}).length) {
    throw new UserError('rank_pattern/alpha_pattern: per-module ranks are not supported');
  }
  return {
    r: c.r ?? 8,
    alpha: c.lora_alpha ?? 8,
    dropout: c.lora_dropout ?? 0,
    rslora: c.use_rslora ?? false,
    ...(c.target_modules ? { targets: c.target_modules } : {}),
  };
}

/** A LoraConfig in PEFT 0.21's shape for lora-style options (`use_dora` set by the caller). */
export function loraOptionsToPeft(
  config: Pick<z.output<typeof loraSchema>, 'r' | 'alpha' | 'dropout' | 'rslora' | 'targets'>,
  ctx: PeftModelContext,
): Record<string, unknown> {
  return {
    alpha_pattern: {},
    bias: 'none',
    ensure_weight_tying: false,
    fan_in_fan_out: ctx.fanInFanOut,
    init_lora_weights: true,
    loftq_config: {},
    lora_bias: false,
    megatron_core: 'megatron.core',
    qalora_group_size: 16,
    rank_pattern: {},
    use_dora: false,
    use_qalora: false,
    r: config.r,
    lora_alpha: config.alpha,
    lora_dropout: config.dropout,
    use_rslora: config.rslora,
    target_modules: config.targets ?? ctx.defaultLoraTargets,
  };
}

/** `<module>.lora_A.weight` <-> our `<module>.lora_A` (tf layout); anything else is the head. */
export function loraTensorFromPeft(name: string, t: RawTensor): [string, RawTensor] {
  const lora = /^(.*)\.lora_([AB])\.weight$/.exec(stripPrefix(name));
  if (lora) return [`${lora[1]}.lora_${lora[2]}`, transposeRaw(t, 'torch-to-tf')];
  return headFromPeft(name, t);
}

export function loraTensorToPeft(name: string, t: RawTensor): [string, RawTensor] {
  const lora = /^(.*)\.lora_([AB])$/.exec(name);
  if (lora) return [`base_model.model.${lora[1]}.lora_${lora[2]}.weight`, transposeRaw(t, 'tf-to-torch')];
  return headToPeft(name, t);
}

export const loraPeft: PeftCodec<'lora'> = {
  peftType: 'LORA',
  knownKeys: LORA_KEYS,
  claims: (raw) => raw.use_dora !== true,
  configFromPeft: loraOptionsFromPeft,
  configToPeft: loraOptionsToPeft,
  tensorFromPeft: loraTensorFromPeft,
  tensorToPeft: loraTensorToPeft,
};
