/** Content hashes that identify a dataset's exact bytes, recorded with every run. */
import crypto from 'node:crypto';
import path from 'node:path';

/** sha256 (hex) of bytes or a string. */
export const sha256 = (data: Uint8Array | string): string =>
  crypto.createHash('sha256').update(data).digest('hex');

/**
 * sha256 of a folder's files: for each file in sorted relative-path order (POSIX separators, so the hash is
 * the same on Windows), its path and its bytes, each length-prefixed so that no two layouts can collide.
 */
export function hashFiles(root: string, files: readonly { file: string; bytes: Uint8Array }[]): string {
  const entries = files
    .map((f) => ({ rel: path.relative(root, f.file).split(path.sep).join('/'), bytes: f.bytes }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const h = crypto.createHash('sha256');
  const len = Buffer.alloc(8);
  for (const e of entries) {
    const name = Buffer.from(e.rel, 'utf8');
    len.writeBigUInt64BE(BigInt(name.length));
    h.update(len).update(name);
    len.writeBigUInt64BE(BigInt(e.bytes.length));
    h.update(len).update(e.bytes);
  }
  return h.digest('hex');
}

/** Combines the hashes of a training file and a separate validation file into one. */
export const combineHashes = (...hashes: readonly string[]): string => sha256(hashes.join('\n'));
