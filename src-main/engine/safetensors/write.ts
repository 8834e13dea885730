/** safetensors writer: tensors sorted by name, header padded with spaces to an 8-byte boundary (as the spec asks). */
import fs from 'node:fs';
import path from 'node:path';
import type { RawTensor } from './types.ts';

export function encodeSafetensors(
  tensors: ReadonlyMap<string, RawTensor>,
  metadata: Record<string, string> = {},
): Buffer {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name) as RawTensor;
    const bytes = t.data.length * 4;
    header[name] = {
      dtype: t.dtype === 'float32' ? 'F32' : 'I32',
      shape: t.shape,
      data_offsets: [offset, offset + bytes],
    };
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
    const src = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    src.copy(out, at);
    at += src.length;
  }
  return out;
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written file behind. */
export function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, RawTensor>,
  metadata?: Record<string, string>,
): number {
  const bytes = encodeSafetensors(tensors, metadata);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
  return bytes.length;
}
