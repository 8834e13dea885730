/**
 * Weight and checkpoint files past Node's 2 GiB readFileSync limit: hashed in chunks (the blocking form workers
 * use equals the streamed one main uses) and read as safetensors by header and byte ranges, never whole. The
 * files are sparse (fs.truncate), so they take no disk; where the filesystem refuses sparse files the tests skip
 * saying so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSha256, fileSha256Sync } from '../../../src-main/node-shared/hash-file.ts';
import { readSafetensors, readSafetensorsHeader } from '../../../src-main/node-shared/safetensors/index.ts';
import { writeCheckpoint } from '../../../src-main/training/checkpoint.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-large-files-');
afterAll(() => tmp.cleanup());

const OVER_2_GIB = 2 ** 31 + 4096;

/**
 * Makes `file` `size` bytes long by truncation, `tail` written at its end; false (file removed) when the
 * filesystem refuses it or allocates the zeros for real.
 */
function sparseFile(file: string, head: Buffer, size: number, tail: Buffer): boolean {
  try {
    fs.writeFileSync(file, head);
    fs.truncateSync(file, size - tail.length);
    fs.appendFileSync(file, tail);
    const st = fs.statSync(file);
    if (st.size === size && st.blocks * 512 < size / 2) return true;
  } catch {
    // ENOSPC, EFBIG, EPERM: no sparse file here.
  }
  fs.rmSync(file, { force: true });
  return false;
}

const NO_SPARSE = 'the filesystem of the temporary folder refuses sparse files';

describe('files over 2 GiB', () => {
  it('hashes one in blocking chunks, equal to the streamed sha256 of the same bytes', async (ctx) => {
    const file = path.join(tmp.dir, 'state.safetensors');
    if (!sparseFile(file, Buffer.from('head'), OVER_2_GIB, Buffer.from('the last bytes')))
      ctx.skip(NO_SPARSE);
    expect(() => fs.readFileSync(file)).toThrow(/2 GiB|ERR_FS_FILE_TOO_LARGE|File size/);
    const blocking = fileSha256Sync(file);
    expect(blocking).toMatch(/^[0-9a-f]{64}$/);
    expect(blocking).toBe(await fileSha256(file));
    fs.rmSync(file);
  }, 300_000);

  it('reads tensors of a safetensors file past 2 GiB by their byte ranges', (ctx) => {
    // A 2 GiB U8 tensor first, then a small F32 one whose bytes start past the 2 GiB mark.
    const big = OVER_2_GIB - 64;
    const small = Float32Array.from([1.5, -2, 3.25]);
    const header = {
      __metadata__: { format: 'pt' },
      big: { dtype: 'U8', shape: [big], data_offsets: [0, big] },
      small: { dtype: 'F32', shape: [3], data_offsets: [big, big + 12] },
    };
    let json = Buffer.from(JSON.stringify(header));
    json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const file = path.join(tmp.dir, 'model.safetensors');
    const size = 8 + json.length + big + 12;
    const tail = Buffer.from(small.buffer);
    if (!sparseFile(file, Buffer.concat([len, json]), size, tail)) ctx.skip(NO_SPARSE);

    const { tensors, metadata } = readSafetensors(file, (name) => name === 'small');
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['small']);
    expect(tensors.get('small')).toEqual({ dtype: 'float32', shape: [3], data: small });
    expect(readSafetensorsHeader(file).tensors.get('big')).toEqual({ dtype: 'U8', shape: [big] });
    fs.rmSync(file);
  });

  it('records a checkpoint with the sha256 of its weights file', async () => {
    const dir = path.join(tmp.dir, 'checkpoint');
    const { sha256, bytes } = writeCheckpoint(dir, {
      weights: new Map([['lora.A', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }]]),
      optimizer: { step: 3, tensors: new Map([['m', { shape: [2], data: Float32Array.from([0.5, 1]) }]]) },
      position: { step: 3, epoch: 0, batchInEpoch: 3 },
    } as unknown as Parameters<typeof writeCheckpoint>[1]);
    const file = path.join(dir, 'state.safetensors');
    expect(bytes).toBe(fs.statSync(file).size);
    expect(sha256).toBe(await fileSha256(file));
  });
});
