/** The dtypes we read and write. F16/BF16 are upcast to F32 on read; I64 is narrowed to I32 with a range check. */
export const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1, I8: 1, BOOL: 1 } as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** A tensor as plain data: the reader never creates tf tensors, so callers decide when and where to. */
export interface RawTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** A file's header alone: what `readSafetensorsHeader` returns without reading any tensor data. */
export interface SafetensorsHeader {
  tensors: Map<string, { dtype: SafetensorsDtype; shape: number[] }>;
  metadata: Record<string, string>;
}
