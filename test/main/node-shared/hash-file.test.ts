import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelContentHash, modelContentHashStreamed } from '../../../src-main/models/content-hash.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-hash-');
afterAll(() => tmp.cleanup());

/** The sha256 of `zeros` zero bytes followed by `tail`, computed without any file. */
function expectedHash(zeros: number, tail: Buffer): string {
  const h = crypto.createHash('sha256');
  const block = Buffer.alloc(64 * 1024 * 1024);
  for (let left = zeros; left > 0; left -= block.length)
    h.update(block.subarray(0, Math.min(left, block.length)));
  return h.update(tail).digest('hex');
}

describe('model content hash', () => {
  it('streams a 5 GB weights file (readFileSync refuses anything over 2 GiB)', async () => {
    const dir = path.join(tmp.dir, 'big-model');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'model.safetensors');
    const size = 5_000_000_000;
    const tail = Buffer.from('the last bytes of the file');
    // A sparse file: 5 GB long, no disk used but its last bytes, which prove the whole length was read.
    fs.writeFileSync(file, '');
    fs.truncateSync(file, size - tail.length);
    fs.appendFileSync(file, tail);
    expect(fs.statSync(file).size).toBe(size);
    expect(() => fs.readFileSync(file)).toThrow(/2 GiB|ERR_FS_FILE_TOO_LARGE|File size/);

    expect(await modelContentHashStreamed(dir)).toBe(expectedHash(size - tail.length, tail));
  }, 600_000);

  it('gives the same hash read in blocking chunks as streamed, over every weights file in name order', async () => {
    const dir = path.join(tmp.dir, 'shards');
    fs.mkdirSync(dir);
    const a = crypto.randomBytes(5 * 1024 * 1024 + 7);
    const b = crypto.randomBytes(1234);
    fs.writeFileSync(path.join(dir, 'model-00002-of-00002.safetensors'), b);
    fs.writeFileSync(path.join(dir, 'model-00001-of-00002.safetensors'), a);
    const expected = crypto.createHash('sha256').update(a).update(b).digest('hex');
    expect(modelContentHash(dir)).toBe(expected);
    expect(await modelContentHashStreamed(dir)).toBe(expected);
  });
});
