import fs from 'node:fs';
import { DatasetError } from './errors.ts';

/** Reads a file as strict UTF-8: invalid bytes are reported with their line instead of silently replaced. */
export function readUtf8(file: string): { text: string; bytes: Buffer } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(
      file,
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, expected a file'
          : `cannot read (${code})`,
    );
  }
  if (bytes.length === 0) throw new DatasetError(file, 'the file is empty');
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, bytes };
  } catch {
    // Find the first bad byte's line for the message.
    let line = 1;
    for (let i = 0; i < bytes.length; i++) {
      const slice = bytes.subarray(0, i + 1);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(slice, { stream: true });
      } catch {
        break;
      }
      if (bytes[i] === 0x0a) line++;
    }
    throw new DatasetError(file, 'is not valid UTF-8 text (save it as UTF-8)', line);
  }
}
