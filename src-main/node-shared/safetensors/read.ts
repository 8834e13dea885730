/**
 * safetensors reader: 8-byte little-endian header length, a JSON header, then raw little-endian data. Every
 * structural problem is refused with a one-line SafetensorsError before any tensor is returned (no partial load).
 */
import fs from 'node:fs';
import { SafetensorsError } from './errors.ts';
import { DTYPE_BYTES } from './types.ts';
import type { RawTensor, SafetensorsDtype, SafetensorsFile, SafetensorsHeader } from './types.ts';

/** Headers above this size are refused: real ones are kilobytes; a garbage length must not allocate gigabytes. */
const MAX_HEADER = 100 * 1024 * 1024;

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

const isDtype = (d: unknown): d is SafetensorsDtype => typeof d === 'string' && Object.hasOwn(DTYPE_BYTES, d);

/** Reads and checks the 8-byte header length against the file's size. */
function headerLength(file: string, first8: Uint8Array, fileLength: number): number {
  if (fileLength < 8)
    throw new SafetensorsError(file, `truncated: ${fileLength} bytes, shorter than the 8-byte header length`);
  const headerLen = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER)
    throw new SafetensorsError(file, `header length ${headerLen} is implausibly large`);
  if (8 + headerLen > fileLength) {
    throw new SafetensorsError(
      file,
      `header length ${headerLen} runs past the end of the file (${fileLength} bytes)`,
    );
  }
  return headerLen;
}

/** `bytes` holds at least the length prefix and the JSON header; `fileLength` is the whole file's size. */
function parseHeader(
  file: string,
  bytes: Uint8Array,
  fileLength = bytes.length,
): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  const headerLen = headerLength(file, bytes, fileLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new SafetensorsError(file, `header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(file, 'header is not a JSON object');
  }
  const dataStart = 8 + headerLen;
  const dataLen = fileLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new SafetensorsError(file, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(file, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new SafetensorsError(file, `tensor ${name}: entry is not an object`);
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(info.dtype))
      throw new SafetensorsError(file, `tensor ${name}: unknown dtype ${JSON.stringify(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(file, `tensor ${name}: invalid shape ${JSON.stringify(shape)}`);
    }
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0)) {
      throw new SafetensorsError(file, `tensor ${name}: invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLen) {
      throw new SafetensorsError(
        file,
        `tensor ${name}: offsets [${begin}, ${end}] out of range (data is ${dataLen} bytes)`,
      );
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (count * DTYPE_BYTES[info.dtype] !== end - begin) {
      throw new SafetensorsError(
        file,
        `tensor ${name}: shape ${JSON.stringify(shape)} of ${info.dtype} needs ${count * DTYPE_BYTES[info.dtype]} bytes but offsets span ${end - begin}`,
      );
    }
    entries.push({ name, dtype: info.dtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as Entry;
    const cur = sorted[i] as Entry;
    if (cur.begin < prev.end && cur.end > cur.begin) {
      throw new SafetensorsError(file, `tensors ${prev.name} and ${cur.name} overlap`);
    }
  }
  return { entries, metadata, dataStart };
}

function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

let f16Table: Float32Array | undefined;

/**
 * Every f16 bit pattern's float32 value, made once (256 KB): a lookup per weight instead of a power and a divide.
 * The shipped default model stores F16, and decoding it with f16ToF32 per element took ~0.4 s of each load.
 */
function f16Values(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32(h);
  }
  return f16Table;
}

/** True on little-endian hosts, where a Uint16Array reads the file's little-endian halves as they are. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** `slice`: the tensor's own bytes, at offset 0 of a buffer of its own (typed-array views need the alignment). */
function decode(file: string, e: Entry, slice: Uint8Array): RawTensor {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(slice.buffer);
  switch (e.dtype) {
    case 'F32':
      return { dtype: 'float32', shape: e.shape, data: new Float32Array(slice.buffer, 0, n) };
    case 'F16': {
      const out = new Float32Array(n);
      const table = f16Values();
      if (LITTLE_ENDIAN) {
        const halves = new Uint16Array(slice.buffer, 0, n);
        for (let i = 0; i < n; i++) out[i] = table[halves[i] as number] as number;
      } else for (let i = 0; i < n; i++) out[i] = table[view.getUint16(2 * i, true)] as number;
      return { dtype: 'float32', shape: e.shape, data: out };
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const u32 = new Uint32Array(1);
      const f32 = new Float32Array(u32.buffer);
      for (let i = 0; i < n; i++) {
        u32[0] = view.getUint16(2 * i, true) << 16;
        out[i] = f32[0] as number;
      }
      return { dtype: 'float32', shape: e.shape, data: out };
    }
    case 'I32':
      return { dtype: 'int32', shape: e.shape, data: new Int32Array(slice.buffer, 0, n) };
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new SafetensorsError(file, `tensor ${e.name}: int64 value ${v} does not fit in int32`);
        }
        out[i] = Number(v);
      }
      return { dtype: 'int32', shape: e.shape, data: out };
    }
    case 'U8':
    case 'I8':
    case 'BOOL': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = e.dtype === 'I8' ? view.getInt8(i) : view.getUint8(i);
      return { dtype: 'int32', shape: e.shape, data: out };
    }
  }
}

/** Parses safetensors bytes. `only` restricts decoding to some names (the header is still fully validated). */
export function parseSafetensors(
  file: string,
  bytes: Uint8Array,
  only?: (name: string) => boolean,
): SafetensorsFile {
  const { entries, metadata, dataStart } = parseHeader(file, bytes);
  const tensors = new Map<string, RawTensor>();
  for (const e of entries) {
    if (only && !only(e.name)) continue;
    // Copied into an aligned buffer: the file's offsets do not promise alignment (and Buffer.slice would return
    // a view into Node's shared pool).
    const slice = new Uint8Array(e.end - e.begin);
    slice.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    tensors.set(e.name, decode(file, e, slice));
  }
  return { tensors, metadata };
}

/** Runs `use` on the open file and its size; open and read errors become one-line SafetensorsErrors. */
function withFile<T>(file: string, use: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SafetensorsError(
      file,
      code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (err as Error).message})`,
    );
  }
  try {
    return use(fd, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

/** Fills `into` from the file at `position` (one read may return less, and may take at most 2 GiB). */
function readAt(file: string, fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length; ) {
    let n: number;
    try {
      n = fs.readSync(fd, into, done, Math.min(into.length - done, 1 << 30), position + done);
    } catch (err) {
      throw new SafetensorsError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (n === 0)
      throw new SafetensorsError(file, `truncated: it ended while reading byte ${position + done}`);
    done += n;
  }
}

/** The length prefix and JSON header, read and validated against the file's size (no tensor data read). */
function readHeader(file: string, fd: number, size: number): ReturnType<typeof parseHeader> {
  const first8 = new Uint8Array(8);
  readAt(file, fd, first8.subarray(0, Math.min(8, size)), 0);
  const prefix = new Uint8Array(8 + headerLength(file, first8, size));
  readAt(file, fd, prefix, 0);
  return parseHeader(file, prefix, size);
}

/**
 * Reads a safetensors file: the header, then each tensor's own byte range (only those `only` keeps). Never the
 * whole file at once, so a file past readFileSync's 2 GiB limit reads too, and taking a few tensors of a large
 * file costs only their bytes.
 */
export function readSafetensors(file: string, only?: (name: string) => boolean): SafetensorsFile {
  return withFile(file, (fd, size) => {
    const { entries, metadata, dataStart } = readHeader(file, fd, size);
    const tensors = new Map<string, RawTensor>();
    for (const e of entries) {
      if (only && !only(e.name)) continue;
      const slice = new Uint8Array(e.end - e.begin);
      readAt(file, fd, slice, dataStart + e.begin);
      tensors.set(e.name, decode(file, e, slice));
    }
    return { tensors, metadata };
  });
}

/**
 * Only the header: names, dtypes and shapes (validated as in a full read) without reading the tensor data, e.g. to
 * count a model's parameters for the Models page.
 */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  return withFile(file, (fd, size) => {
    const { entries, metadata } = readHeader(file, fd, size);
    return { tensors: new Map(entries.map((e) => [e.name, { dtype: e.dtype, shape: e.shape }])), metadata };
  });
}
