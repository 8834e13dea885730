/**
 * The one content hash of a model folder's weights: sha256 over model.safetensors alone when present, else over
 * every .safetensors file in name order (a sharded checkpoint). The training worker records it with each adapter,
 * export and import compare against it, the base_models table keeps it, and the playground keys loaded bases by it.
 * Files are read in chunks, so a weight file larger than Node's 2 GiB readFileSync limit hashes too.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hashFile, hashFileSync } from '../node-shared/hash-file.ts';

/** Bytes per read: large enough to keep sha256 busy, small enough to stay out of the way of the heap. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/** The files the hash covers, in hashing order. */
export function weightFiles(dir: string): string[] {
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return [single];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => path.join(dir, f));
}

export function modelContentHash(dir: string, chunkBytes = CHUNK_BYTES): string {
  const h = crypto.createHash('sha256');
  for (const f of weightFiles(dir)) hashFileSync(h, f, chunkBytes);
  return h.digest('hex');
}

/** The same hash, streamed: for main, whose event loop must not stop for gigabytes of weights. */
export async function modelContentHashStreamed(dir: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for (const f of weightFiles(dir)) await hashFile(h, f);
  return h.digest('hex');
}

/**
 * modelContentHash remembered per folder until a weight file changes size or modification time, so the
 * playground can key its loaded models by content without re-reading gigabytes on every request.
 */
export class ContentHashes {
  readonly #known = new Map<string, { stamp: string; hash: string }>();

  of(dir: string): string {
    const stamp = weightFiles(dir)
      .map((f) => {
        const s = fs.statSync(f);
        return `${f}:${s.size}:${s.mtimeMs}`;
      })
      .join('|');
    const known = this.#known.get(dir);
    if (known?.stamp === stamp) return known.hash;
    const hash = modelContentHash(dir);
    this.#known.set(dir, { stamp, hash });
    return hash;
  }
}
