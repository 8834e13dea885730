/** Which modules a LoRA-style method adapts (LoRA and its variants share PEFT's target_modules rules). */
import type { LinearInfo } from '../../models/base/hooks.ts';
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

/**
 * The linear layers a method that works on each target's own weight adapts (DoRA decomposes it, VeRA sizes its
 * projections by it), each with that weight: a convolution or a tied head (no weight of its own) is refused.
 */
export function linearWeightTargets(
  model: Model,
  targets: readonly string[] | string | undefined,
  method: string,
  title: string,
): Map<string, LinearInfo & { weightName: string }> {
  const trace = traceModules(model);
  const { linear, conv } = loraTargets(model, targets, method);
  if (conv.length)
    throw new UserError(
      `${method}.targets match convolutions (${conv[0]}); ${title} adapts linear layers only`,
    );
  const out = new Map<string, LinearInfo & { weightName: string }>();
  for (const m of linear) {
    const info = trace.linear.get(m);
    if (!info?.weightName)
      throw new UserError(`${method}.targets: ${m} has no weight of its own (a tied head?)`);
    out.set(m, { ...info, weightName: info.weightName });
  }
  return out;
}
