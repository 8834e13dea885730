/**
 * One model content hash (models/content-hash.ts) for adapters' records, the base_models table, export/import and
 * the playground's cache: its rule, worked out here with node:crypto on the bytes themselves.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentHashes, modelContentHash } from '../../../src-main/models/content-hash.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-content-hash-');
afterAll(() => tmp.cleanup());

const sha256 = (...parts: Buffer[]) => {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('model content hash', () => {
  const fixture = path.join(HF_TINY_DIR, 'bert-seqcls/base');

  it('hashes model.safetensors alone when present (other .safetensors in the folder do not count)', () => {
    expect(fs.existsSync(path.join(fixture, 'reference.safetensors'))).toBe(true);
    expect(modelContentHash(fixture)).toBe(sha256(fs.readFileSync(path.join(fixture, 'model.safetensors'))));
  });

  it('hashes the shards of a sharded checkpoint in name order', () => {
    const dir = path.join(tmp.dir, 'sharded');
    fs.mkdirSync(dir);
    const a = Buffer.from('first shard');
    const b = Buffer.from('second shard');
    fs.writeFileSync(path.join(dir, 'model-00002-of-00002.safetensors'), b);
    fs.writeFileSync(path.join(dir, 'model-00001-of-00002.safetensors'), a);
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    expect(modelContentHash(dir)).toBe(sha256(a, b));
  });

  it('gives the same hash whatever the read size (it streams)', () => {
    expect(modelContentHash(fixture, 7)).toBe(modelContentHash(fixture));
    expect(modelContentHash(fixture, 1 << 20)).toBe(modelContentHash(fixture));
  });

  it("the playground's cache gives the same hash, and a new one once the weights change", () => {
    const cache = new ContentHashes();
    expect(cache.of(fixture)).toBe(modelContentHash(fixture));
    const dir = path.join(tmp.dir, 'changing');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'model.safetensors');
    fs.writeFileSync(file, 'v1');
    expect(cache.of(dir)).toBe(sha256(Buffer.from('v1')));
    fs.writeFileSync(file, 'version 2');
    expect(cache.of(dir)).toBe(sha256(Buffer.from('version 2')));
  });

  it('hashes a weight file over 2 GiB (past readFileSync’s limit)', () => {
    const dir = path.join(tmp.dir, 'large');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'model.safetensors');
    const size = 2 ** 31 + 5;
    // A sparse file: zeros on disk cost nothing. readFileSync refuses it (ERR_FS_FILE_TOO_LARGE); the chunked
    // reads hash it (the exact value is checked on small files above, where the read size varies).
    fs.writeFileSync(file, '');
    fs.truncateSync(file, size);
    expect(() => fs.readFileSync(file)).toThrow();
    expect(modelContentHash(dir)).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});
