/** safetensors writer: tensors sorted by name, header padded with spaces to an 8-byte boundary (as the spec asks). */
import fs from 'node:fs';
import path from 'node:path';
import { DTYPE_BYTES } from './types.ts';
import type { RawTensor, SafetensorsDtype } from './types.ts';

export interface WriteOptions {
  /**
   * The file dtype of each tensor (default F32 for float32, I32 for int32). float32 may be stored as F16 or BF16
   * (rounded to nearest even, e.g. to give a merged model its base model's dtype); int32 as I64.
   */
  dtypeOf?: (name: string, tensor: RawTensor) => SafetensorsDtype | undefined;
}

const ALLOWED: Record<RawTensor['dtype'], readonly SafetensorsDtype[]> = {
  float32: ['F32', 'F16', 'BF16'],
  int32: ['I32', 'I64'],
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even; overflow gives infinity, tiny values subnormals or zero. */
export function f32ToF16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** float32 -> bfloat16 bits (the upper half of the float32), round to nearest even; NaN stays NaN. */
export function f32ToBf16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) & 0x8000) | 0x7fc0;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function encodeData(t: RawTensor, dtype: SafetensorsDtype, out: Buffer, at: number): void {
  const n = t.data.length;
  switch (dtype) {
    case 'F32':
    case 'I32':
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
      return;
    case 'F16':
      for (let i = 0; i < n; i++) out.writeUInt16LE(f32ToF16Bits(t.data[i] as number), at + 2 * i);
      return;
    case 'BF16':
      for (let i = 0; i < n; i++) out.writeUInt16LE(f32ToBf16Bits(t.data[i] as number), at + 2 * i);
      return;
    case 'I64':
      for (let i = 0; i < n; i++) out.writeBigInt64LE(BigInt(t.data[i] as number), at + 8 * i);
      return;
    default:
      throw new Error(`cannot write dtype ${dtype}`);
  }
}

export function encodeSafetensors(
  tensors: ReadonlyMap<string, RawTensor>,
  metadata: Record<string, string> = {},
  opts: WriteOptions = {},
): Buffer {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const dtypes = new Map<string, SafetensorsDtype>();
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name) as RawTensor;
    const dtype = opts.dtypeOf?.(name, t) ?? (t.dtype === 'float32' ? 'F32' : 'I32');
    if (!ALLOWED[t.dtype].includes(dtype)) throw new Error(`${name}: cannot store ${t.dtype} as ${dtype}`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`${name}: shape [${t.shape.join(', ')}] does not hold ${t.data.length} values`);
    }
    dtypes.set(name, dtype);
    const bytes = count * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((Buffer.byteLength(json) + 8) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors.get(name) as RawTensor;
    const dtype = dtypes.get(name) as SafetensorsDtype;
    encodeData(t, dtype, out, at);
    at += t.data.length * DTYPE_BYTES[dtype];
  }
  return out;
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written file behind. */
export function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, RawTensor>,
  metadata?: Record<string, string>,
  opts?: WriteOptions,
): number {
  const bytes = encodeSafetensors(tensors, metadata, opts);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
  return bytes.length;
}
