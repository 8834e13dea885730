/** Which modules a LoRA-style method adapts (LoRA and its variants share PEFT's target_modules rules). */
import type { Model } from '../../models/base/types.ts';
import { matchesTarget } from '../base/targets.ts';
import { traceModules } from '../base/trace.ts';
import { UserError } from '../../errors.ts';

export function loraTargets(
  model: Model,
  targets: readonly string[] | string | undefined,
  method = 'lora',
): { linear: string[]; conv: string[] } {
  const trace = traceModules(model);
  const t = targets ?? model.config.defaultLoraTargets;
  const linear = [...trace.linear.keys()].filter((m) => matchesTarget(m, t, `${method}.targets`));
  const conv = [...trace.conv.keys()].filter((m) => matchesTarget(m, t, `${method}.targets`));
  if (linear.length + conv.length === 0) {
    const names = [...trace.linear.keys(), ...trace.conv.keys()];
    throw new UserError(
      `${method}.targets ${JSON.stringify(t)} match no module of this ${model.config.modelType} model; modules include ${names.slice(0, 6).join(', ')}`,
    );
  }
  return { linear, conv };
}
