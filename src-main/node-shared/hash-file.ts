/**
 * Hashing files of any size as streams: `readFileSync` refuses files over 2 GiB, and even the chunked blocking
 * read (models/content-hash.ts) would hold main's event loop for seconds on a large weights file.
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

/** sha256 (hex) of one file, streamed: what an adapter artifact records of its weights. */
export async function fileSha256(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  await hashFile(h, file);
  return h.digest('hex');
}
