/**
 * Helpers for the methods' PEFT codecs (<method>/peft.ts): PEFT prefixes names with `base_model.model.` (prompt
 * tuning's head: `base_model.`) and stores matrices in torch layout ([out, in]; conv [out, in, kh, kw]); we keep
 * tf layouts ([in, out]; conv [kh, kw, in, out]).
 */
import type { RawTensor } from '../../engine/safetensors/index.ts';

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

/** modules_to_save (the task head): PEFT's name -> ours; weights come in torch layout. */
export function headFromPeft(peftName: string, t: RawTensor): [string, RawTensor] {
  const name = stripPrefix(peftName);
  return [name, name.endsWith('.weight') ? transposeRaw(t, 'torch-to-tf') : t];
}

/** Our head weight -> PEFT's name (under `prefix`) and torch layout. */
export function headToPeft(ours: string, t: RawTensor, prefix = 'base_model.model.'): [string, RawTensor] {
  return [`${prefix}${ours}`, ours.endsWith('.weight') ? transposeRaw(t, 'tf-to-torch') : t];
}
