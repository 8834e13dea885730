/**
 * PEFT's tensor names and layouts <-> ours. PEFT prefixes names with `base_model.model.` (prompt tuning's head:
 * `base_model.`), stores LoRA A/B and heads in torch layout ([out, in]; conv [out, in, kh, kw]), and IA3 vectors
 * as [out, 1] or [1, in]. We keep tf layouts ([in, out]; conv [kh, kw, in, out]) and flat IA3 vectors.
 */
import type { RawTensor } from '../../engine/safetensors/index.ts';

export type PeftType = 'LORA' | 'IA3' | 'PROMPT_TUNING';

export function stripPrefix(name: string): string {
  if (name.startsWith('base_model.model.')) return name.slice('base_model.model.'.length);
  if (name.startsWith('base_model.')) return name.slice('base_model.'.length);
  return name;
}

/** Transposes a 2-D or 4-D tensor between torch and tf layouts (the permutation is its own inverse pair). */
export function transposeRaw(t: RawTensor, direction: 'torch-to-tf' | 'tf-to-torch'): RawTensor {
  const src = t.data as Float32Array;
  if (t.shape.length === 2) {
    const [r, c] = t.shape as [number, number];
    const out = new Float32Array(src.length);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j] as number;
    return { dtype: 'float32', shape: [c, r], data: out };
  }
  if (t.shape.length === 4) {
    // torch [o, i, h, w] <-> tf [h, w, i, o]
    if (direction === 'torch-to-tf') {
      const [o, i, h, w] = t.shape as [number, number, number, number];
      const out = new Float32Array(src.length);
      for (let a = 0; a < o; a++)
        for (let b = 0; b < i; b++)
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++)
              out[((y * w + x) * i + b) * o + a] = src[((a * i + b) * h + y) * w + x] as number;
      return { dtype: 'float32', shape: [h, w, i, o], data: out };
    }
    const [h, w, i, o] = t.shape as [number, number, number, number];
    const out = new Float32Array(src.length);
    for (let a = 0; a < o; a++)
      for (let b = 0; b < i; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            out[((a * i + b) * h + y) * w + x] = src[((y * w + x) * i + b) * o + a] as number;
    return { dtype: 'float32', shape: [o, i, h, w], data: out };
  }
  return t;
}

/** PEFT file name -> our name and layout conversion. */
export function fromPeftName(
  type: PeftType,
  peftName: string,
): { ours: string; convert: 'transpose' | 'flatten' | 'none' } {
  const name = stripPrefix(peftName);
  if (type === 'PROMPT_TUNING' && name === 'prompt_embeddings') return { ours: name, convert: 'none' };
  const lora = /^(.*)\.lora_([AB])\.weight$/.exec(name);
  if (lora) return { ours: `${lora[1]}.lora_${lora[2]}`, convert: 'transpose' };
  const ia3 = /^(.*)\.ia3_l$/.exec(name);
  if (ia3) return { ours: `${ia3[1]}.ia3`, convert: 'flatten' };
  // modules_to_save: a head's weights in torch layout.
  return { ours: name, convert: name.endsWith('.weight') ? 'transpose' : 'none' };
}

/** Our name -> PEFT file name. */
export function toPeftName(type: PeftType, ours: string): string {
  if (type === 'PROMPT_TUNING') return ours === 'prompt_embeddings' ? ours : `base_model.${ours}`;
  const lora = /^(.*)\.lora_([AB])$/.exec(ours);
  if (lora) return `base_model.model.${lora[1]}.lora_${lora[2]}.weight`;
  const ia3 = /^(.*)\.ia3$/.exec(ours);
  if (ia3) return `base_model.model.${ia3[1]}.ia3_l`;
  return `base_model.model.${ours}`;
}
