/** Reading user files as strict UTF-8, so a wrong encoding is reported instead of silently turned into U+FFFD. */
import fs from 'node:fs';
import { DatasetError } from './errors.ts';

/** Reads a file's bytes; a missing, unreadable or folder path is a DatasetError naming it. */
export function readBytes(file: string): Buffer {
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
