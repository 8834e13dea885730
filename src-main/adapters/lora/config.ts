/** LoRA's options as the engine uses them: its schema (schema.ts) is the one definition and the one check. */
import type { MethodConfigOf } from '../../../src-shared/methods.ts';

export type LoraConfig = Omit<MethodConfigOf<'lora'>, 'type'>;

export const loraScaling = (c: Pick<LoraConfig, 'alpha' | 'r' | 'rslora'>): number =>
  c.rslora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r;
