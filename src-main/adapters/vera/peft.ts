/**
 * VeRA in PEFT's files (save_projection=True): the shared projections `base_model.vera_A` [r, max in] and
 * `base_model.vera_B` [max out, r], and per target `<module>.vera_lambda_b` [out] and `.vera_lambda_d` [r]. We keep
 * the projections in tf layout ([max in, r] and [r, max out]).
 */
import { z } from 'zod';
import type { PeftCodec } from '../peft/codec.ts';
import { headFromPeft, headToPeft, stripPrefix, transposeRaw } from '../peft/names.ts';
import { UserError } from '../../errors.ts';
import { parsePeftConfig } from '../peft/config.ts';

export const VERA_A = 'vera_A';
export const VERA_B = 'vera_B';

const peftVeraSchema = z
  .object({
    r: z.number().int().positive().optional(),
    d_initial: z.number().optional(),
    vera_dropout: z.number().min(0).lt(1).optional(),
    save_projection: z.boolean().optional(),
    target_modules: z.union([z.array(z.string()), z.string()]).nullish(),
  })
  .passthrough();

export const veraPeft: PeftCodec<'vera'> = {
  peftType: 'VERA',
  knownKeys: [
    'bias',
    'd_initial',
    'fan_in_fan_out',
    'init_weights',
    'layers_pattern',
    'layers_to_transform',
    'projection_prng_key',
    'r',
    'save_projection',
    'target_modules',
    'vera_dropout',
  ],
  configFromPeft(raw) {
    const c = parsePeftConfig(peftVeraSchema, raw);
    if (c.save_projection === false)
      throw new UserError(
        'save_projection: false: the projections are not in the file (PEFT regenerates them with torch)',
      );
    return {
      ...(c.r ? { r: c.r } : {}),
      ...(c.d_initial !== undefined ? { dInitial: c.d_initial } : {}),
      dropout: c.vera_dropout ?? 0,
      ...(c.target_modules ? { targets: c.target_modules } : {}),
    };
  },
  configToPeft: (config, ctx) => ({
    bias: 'none',
    d_initial: config.dInitial,
    fan_in_fan_out: ctx.fanInFanOut,
    init_weights: true,
    projection_prng_key: 0,
    r: config.r,
    save_projection: true,
    target_modules: config.targets ?? ctx.defaultLoraTargets,
    vera_dropout: config.dropout,
  }),
  tensorFromPeft(name, t) {
    const n = stripPrefix(name);
    if (n === VERA_A || n === VERA_B) return [n, transposeRaw(t, 'torch-to-tf')];
    if (/\.vera_lambda_[bd]$/.test(n)) return [n, t];
    return headFromPeft(name, t);
  },
  tensorToPeft(name, t) {
    if (name === VERA_A || name === VERA_B) return [`base_model.${name}`, transposeRaw(t, 'tf-to-torch')];
    if (/\.vera_lambda_[bd]$/.test(name)) return [`base_model.model.${name}`, t];
    return headToPeft(name, t);
  },
};
