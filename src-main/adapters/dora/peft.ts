/**
 * DoRA in PEFT's files: a LoraConfig with use_dora=True, LoRA's A/B tensors, and the magnitude per output feature
 * as `<module>.lora_magnitude_vector` ([out]; PEFT drops the DoRA layer's `.weight` suffix when saving).
 */
import type { PeftCodec } from '../peft/codec.ts';
import { stripPrefix } from '../peft/names.ts';
import {
  LORA_KEYS,
  loraOptionsFromPeft,
  loraOptionsToPeft,
  loraTensorFromPeft,
  loraTensorToPeft,
} from '../lora/peft.ts';

export const MAGNITUDE = 'lora_magnitude_vector';

export const doraPeft: PeftCodec<'dora'> = {
  peftType: 'LORA',
  knownKeys: LORA_KEYS,
  claims: (raw) => raw.use_dora === true,
  configFromPeft: loraOptionsFromPeft,
  configToPeft: (config, ctx) => ({ ...loraOptionsToPeft(config, ctx), use_dora: true }),
  tensorFromPeft(name, t) {
    const m = new RegExp(`^(.*)\\.${MAGNITUDE}(\\.weight)?$`).exec(stripPrefix(name));
    if (m) return [`${m[1]}.${MAGNITUDE}`, { ...t, shape: [t.data.length] }];
    return loraTensorFromPeft(name, t);
  },
  tensorToPeft(name, t) {
    if (name.endsWith(`.${MAGNITUDE}`)) return [`base_model.model.${name}`, t];
    return loraTensorToPeft(name, t);
  },
};
