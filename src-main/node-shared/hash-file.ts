/**
 * Hashing files of any size, chunk by chunk: `readFileSync` refuses files over 2 GiB (and holds the whole file in
 * memory). Main uses the streamed form, whose event loop keeps turning between chunks; a worker or a batch
 * command may use the blocking form. models/content-hash.ts builds the one model content hash on these.
 */
import crypto from 'node:crypto';
import type { Hash } from 'node:crypto';
import fs from 'node:fs';

/** Chunk size: large enough for throughput, small enough that no single hash update holds the event loop. */
const CHUNK = 4 * 1024 * 1024;

/** Feeds a file's bytes into `h` as a stream: the event loop keeps running between chunks. */
export async function hashFile(h: Hash, file: string): Promise<void> {
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK })) h.update(chunk as Buffer);
}

/** Feeds a file's bytes into `h` in blocking reads of `chunkBytes` (workers: no event loop to keep free). */
export function hashFileSync(h: Hash, file: string, chunkBytes = CHUNK): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** sha256 (hex) of one file in blocking chunks: a checkpoint's or an adapter's weights, hashed by a worker. */
export function fileSha256Sync(file: string): string {
  const h = crypto.createHash('sha256');
  hashFileSync(h, file);
  return h.digest('hex');
}

/** sha256 (hex) of one file, streamed: what an adapter artifact records of its weights. */
export async function fileSha256(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  await hashFile(h, file);
  return h.digest('hex');
}
