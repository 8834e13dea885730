/** Prompt tuning in PEFT's files: peft_type PROMPT_TUNING; `prompt_embeddings`, the head under `base_model.`. */
import { z } from 'zod';
import type { PeftCodec } from '../peft/codec.ts';
import { headFromPeft, headToPeft } from '../peft/names.ts';
import { parsePeftConfig } from '../peft/config.ts';

/** The virtual tokens' tensor, the same name in both formats. */
export const PROMPT_WEIGHT = 'prompt_embeddings';

const peftPromptSchema = z
  .object({ num_virtual_tokens: z.number().int().positive().optional() })
  .passthrough();

export const promptPeft: PeftCodec<'prompt'> = {
  peftType: 'PROMPT_TUNING',
  knownKeys: [
    'num_attention_heads',
    'num_layers',
    'num_transformer_submodules',
    'num_virtual_tokens',
    'prompt_tuning_init',
    'prompt_tuning_init_text',
    'token_dim',
    'tokenizer_kwargs',
    'tokenizer_name_or_path',
  ],
  configFromPeft(raw) {
    const n = parsePeftConfig(peftPromptSchema, raw).num_virtual_tokens;
    return n ? { virtualTokens: n } : {};
  },
  configToPeft: (config, ctx) => ({
    num_attention_heads: ctx.numHeads,
    num_layers: ctx.numLayers,
    num_transformer_submodules: 1,
    prompt_tuning_init: 'RANDOM',
    token_dim: ctx.hiddenSize,
    num_virtual_tokens: config.virtualTokens,
  }),
  tensorFromPeft: (name, t) => (name === PROMPT_WEIGHT ? [name, t] : headFromPeft(name, t)),
  tensorToPeft: (name, t) => (name === PROMPT_WEIGHT ? [name, t] : headToPeft(name, t, 'base_model.')),
};
