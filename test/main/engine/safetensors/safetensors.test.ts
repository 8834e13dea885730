import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  encodeSafetensors,
  readModelWeights,
  readSafetensors,
  writeSafetensors,
} from '../../../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../../../src-main/engine/safetensors/index.ts';
import { HF_TINY_DIR } from '../../../helpers/fixtures.ts';
import { tempDir } from '../../../helpers/temp.ts';

const tmp = tempDir('studio-st-');
afterAll(() => tmp.cleanup());

/** Builds a file from a header object and a data section, for the malformed cases. */
function rawFile(
  name: string,
  header: unknown,
  data: Buffer | number = 0,
  headerLenOverride?: number,
): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerLenOverride ?? json.length));
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, Buffer.concat([len, json, typeof data === 'number' ? Buffer.alloc(data) : data]));
  return file;
}

const f32 = (values: number[], shape: number[]): RawTensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
});

describe('safetensors', () => {
  it('round-trips F32 and I32 tensors and __metadata__, with an 8-byte aligned header', () => {
    const tensors = new Map<string, RawTensor>([
      ['b', f32([1.5, -2, 3.25, 4, 5, 6], [2, 3])],
      ['a', { dtype: 'int32', shape: [3], data: Int32Array.from([7, -8, 9]) }],
    ]);
    const file = path.join(tmp.dir, 'rt.safetensors');
    writeSafetensors(file, tensors, { format: 'pt', note: 'hi' });
    const bytes = fs.readFileSync(file);
    expect((8 + Number(bytes.readBigUInt64LE(0))) % 8).toBe(0);
    const back = readSafetensors(file);
    expect(back.metadata).toEqual({ format: 'pt', note: 'hi' });
    expect(back.tensors.get('b')).toEqual(tensors.get('b'));
    expect(back.tensors.get('a')).toEqual(tensors.get('a'));
  });

  it('upcasts F16 and BF16, and narrows I64', () => {
    const data = Buffer.alloc(4 + 4 + 16);
    data.writeUInt16LE(0x3c00, 0); // f16 1.0
    data.writeUInt16LE(0xc000, 2); // f16 -2.0
    data.writeUInt16LE(0x3fc0, 4); // bf16 1.5
    data.writeUInt16LE(0xc040, 6); // bf16 -3.0
    data.writeBigInt64LE(42n, 8);
    data.writeBigInt64LE(-7n, 16);
    const file = rawFile(
      'mixed.safetensors',
      {
        h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
        bf: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
        ids: { dtype: 'I64', shape: [1, 2], data_offsets: [8, 24] },
      },
      data,
    );
    const t = readSafetensors(file).tensors;
    expect(Array.from(t.get('h')?.data ?? [])).toEqual([1, -2]);
    expect(Array.from(t.get('bf')?.data ?? [])).toEqual([1.5, -3]);
    expect(t.get('ids')).toEqual({ dtype: 'int32', shape: [1, 2], data: Int32Array.from([42, -7]) });
  });

  it('reads every reference model of the fixtures', () => {
    for (const m of ['bert-seqcls', 'gpt2-lm', 'llama-lm', 'resnet-imgcls']) {
      const w = readModelWeights(path.join(HF_TINY_DIR, m, 'base'));
      expect(w.tensors.size).toBeGreaterThan(5);
    }
  });

  it('loads sharded checkpoints through model.safetensors.index.json', () => {
    const dir = path.join(tmp.dir, 'sharded');
    fs.mkdirSync(dir);
    writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), new Map([['x', f32([1, 2], [2])]]));
    writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), new Map([['y', f32([3], [1])]]));
    fs.writeFileSync(
      path.join(dir, 'model.safetensors.index.json'),
      JSON.stringify({
        weight_map: { x: 'model-00001-of-00002.safetensors', y: 'model-00002-of-00002.safetensors' },
      }),
    );
    const w = readModelWeights(dir);
    expect([...w.tensors.keys()].sort()).toEqual(['x', 'y']);
  });

  const malformed: [string, () => string, RegExp][] = [
    [
      'truncated file',
      () => (fs.writeFileSync(path.join(tmp.dir, 't1'), Buffer.alloc(5)), path.join(tmp.dir, 't1')),
      /truncated/,
    ],
    ['header length past the end', () => rawFile('t2', { a: 1 }, 0, 1000), /runs past the end/],
    ['invalid JSON', () => rawFile('t3', '{"a": [1,', 0), /not valid JSON/],
    [
      'unknown dtype',
      () => rawFile('t4', { a: { dtype: 'F128', shape: [1], data_offsets: [0, 4] } }, 4),
      /unknown dtype "F128"/,
    ],
    [
      'offsets out of range',
      () => rawFile('t5', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4),
      /out of range/,
    ],
    [
      'overlapping tensors',
      () =>
        rawFile(
          't6',
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          12,
        ),
      /overlap/,
    ],
    [
      'shape/size mismatch',
      () => rawFile('t7', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8),
      /needs 12 bytes/,
    ],
    ['header not an object', () => rawFile('t8', '[1,2]', 0), /not a JSON object/],
    ['missing file', () => path.join(tmp.dir, 'nope.safetensors'), /no such file/],
  ];
  for (const [what, make, message] of malformed) {
    it(`refuses a malformed file: ${what}`, () => {
      const file = make();
      let err: unknown;
      try {
        readSafetensors(file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SafetensorsError);
      const msg = (err as Error).message;
      expect(msg.startsWith(`${file}: `)).toBe(true);
      expect(msg).toMatch(message);
      expect(msg).not.toContain('\n');
    });
  }

  it('encodes deterministically (sorted names)', () => {
    const a = encodeSafetensors(
      new Map([
        ['z', f32([1], [1])],
        ['a', f32([2], [1])],
      ]),
    );
    const b = encodeSafetensors(
      new Map([
        ['a', f32([2], [1])],
        ['z', f32([1], [1])],
      ]),
    );
    expect(a.equals(b)).toBe(true);
  });
});
