/** Reading user files as strict UTF-8, so a wrong encoding is reported instead of silently turned into U+FFFD. */
import fs from 'node:fs';
import { DatasetError } from './errors.ts';

const MB = 2 ** 20;
/** Largest dataset file read whole, in MiB, unless STUDIO_MAX_DATASET_MB says otherwise. */
export const DEFAULT_MAX_DATASET_MB = 1024;

/** The size cap for one dataset file, in bytes (STUDIO_MAX_DATASET_MB, else DEFAULT_MAX_DATASET_MB). */
export function maxDatasetBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.STUDIO_MAX_DATASET_MB);
  return (env.STUDIO_MAX_DATASET_MB && Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_MAX_DATASET_MB) * MB;
}

/**
 * Checks what a path really is before reading it whole: a symlink is followed and the target must be a regular
 * file (a link to /dev/zero, a FIFO or a socket would be read until memory runs out or block forever) of at most
 * the size cap.
 */
export function checkReadableFile(file: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file);
  } catch {
    return; // readFileSync below reports it with its own reason
  }
  if (st.isDirectory()) return;
  if (!st.isFile()) {
    const kind = st.isFIFO()
      ? 'a named pipe (FIFO)'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isSocket()
          ? 'a socket'
          : 'not a regular file';
    throw new DatasetError(file, `is ${kind}, expected a regular file`);
  }
  const cap = maxDatasetBytes();
  if (st.size > cap)
    throw new DatasetError(
      file,
      `is ${(st.size / MB).toFixed(0)} MB, over the ${(cap / MB).toFixed(0)} MB limit for one dataset file (STUDIO_MAX_DATASET_MB)`,
    );
}

/** Reads a file's bytes; a missing, unreadable, special or oversized path is a DatasetError naming it. */
export function readBytes(file: string): Buffer {
  checkReadableFile(file);
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, expected a file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : `cannot read (${code ?? (err as Error).message})`;
    throw new DatasetError(file, why);
  }
}

/**
 * Decodes bytes as UTF-8 with `TextDecoder({fatal: true})`; a byte-order mark is dropped. Invalid bytes are an
 * error naming the line of the first bad byte; UTF-16 files (as Excel's "Unicode text" writes) get their own hint.
 */
export function decodeUtf8(file: string, bytes: Uint8Array): string {
  if (bytes.length === 0) throw new DatasetError(file, 'the file is empty');
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new DatasetError(file, 'is UTF-16 text; save it as UTF-8', 1);
  }
  const utf16 = utf16WithoutBom(bytes);
  if (utf16) throw new DatasetError(file, `is ${utf16} text without a byte-order mark; save it as UTF-8`, 1);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    let line = 1;
    for (let i = 0; i < nul; i++) if (bytes[i] === 0x0a) line++;
    throw new DatasetError(file, 'has a NUL byte: a binary file, not text', line);
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    throw new DatasetError(file, 'is not valid UTF-8 text (save it as UTF-8)', line);
  }
}

/**
 * UTF-16 without a BOM is valid UTF-8 byte for byte when the text is ASCII (every other byte is NUL), so the
 * decoder accepts it and the parser then reports a puzzling field count. In the first 4 KiB, NULs on one parity
 * only (and mostly there) give it away.
 */
function utf16WithoutBom(bytes: Uint8Array): 'UTF-16LE' | 'UTF-16BE' | undefined {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd >= 0.3 * pairs && even === 0) return 'UTF-16LE';
  if (even >= 0.3 * pairs && odd === 0) return 'UTF-16BE';
  return undefined;
}

/** Reads and decodes a UTF-8 text file. */
export function readUtf8(file: string): { text: string; bytes: Buffer } {
  const bytes = readBytes(file);
  return { text: decodeUtf8(file, bytes), bytes };
}

/**
 * Offset of the first byte that starts an invalid UTF-8 sequence (only used to place the error, after the
 * decoder has already refused the input). Checks lead bytes, continuation bytes, overlongs and surrogates.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}
