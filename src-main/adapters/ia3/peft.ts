/** IA3 in PEFT's files: peft_type IA3; vectors `<module>.ia3_l`, [out, 1] (outputs) or [1, in] (feed-forward). */
import { z } from 'zod';
import type { PeftCodec } from '../peft/codec.ts';
import { headFromPeft, headToPeft, stripPrefix } from '../peft/names.ts';
import { parsePeftConfig } from '../peft/config.ts';

const moduleList = z.union([z.array(z.string()), z.string()]).nullish();
const peftIa3Schema = z.object({ target_modules: moduleList, feedforward_modules: moduleList }).passthrough();

export const ia3Peft: PeftCodec<'ia3'> = {
  peftType: 'IA3',
  knownKeys: [
    'exclude_modules',
    'fan_in_fan_out',
    'feedforward_modules',
    'init_ia3_weights',
    'target_modules',
  ],
  configFromPeft(raw) {
    const c = parsePeftConfig(peftIa3Schema, raw);
    return {
      ...(c.target_modules ? { targets: c.target_modules } : {}),
      feedforward: c.feedforward_modules ?? [],
    };
  },
  configToPeft: (config, ctx) => ({
    fan_in_fan_out: ctx.fanInFanOut,
    init_ia3_weights: true,
    target_modules: config.targets,
    feedforward_modules: config.feedforward,
  }),
  tensorFromPeft(name, t) {
    const ia3 = /^(.*)\.ia3_l$/.exec(stripPrefix(name));
    if (ia3) return [`${ia3[1]}.ia3`, { ...t, shape: [t.data.length] }];
    return headFromPeft(name, t);
  },
  tensorToPeft(name, t, adapter) {
    const ia3 = /^(.*)\.ia3$/.exec(name);
    if (!ia3) return headToPeft(name, t);
    const ff = adapter.feedforwardModules?.has(ia3[1] as string) ?? false;
    return [
      `base_model.model.${ia3[1]}.ia3_l`,
      { ...t, shape: ff ? [1, t.data.length] : [t.data.length, 1] },
    ];
  },
};
