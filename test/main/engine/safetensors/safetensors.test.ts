import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  encodeSafetensors,
  readModelWeightShapes,
  readModelWeights,
  readSafetensors,
  readSafetensorsHeader,
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
  const json = Buffer.isBuffer(header)
    ? header
    : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
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

  it('decodes every class of f16 value: zeros, subnormals, normals, the largest, infinities, NaN', () => {
    // Each value from the f16 layout (sign, 5-bit exponent biased by 15, 10-bit fraction), not from the reader.
    const cases: [number, number][] = [
      [0x0000, 0],
      [0x8000, -0],
      [0x0001, 2 ** -24], // the smallest subnormal: 2^-14 * 1/1024
      [0x83ff, -(2 ** -14) * (1023 / 1024)], // the largest subnormal, negative
      [0x0400, 2 ** -14], // the smallest normal
      [0x3555, (1 + 341 / 1024) / 4],
      [0x7bff, 65504], // the largest finite: 2^15 * (1 + 1023/1024)
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
      [0x7e00, NaN],
    ];
    const data = Buffer.alloc(2 * cases.length);
    cases.forEach(([bits], i) => data.writeUInt16LE(bits, 2 * i));
    const file = rawFile(
      'f16-classes.safetensors',
      { h: { dtype: 'F16', shape: [cases.length], data_offsets: [0, data.length] } },
      data,
    );
    const got = Array.from(readSafetensors(file).tensors.get('h')?.data ?? []);
    expect(got).toEqual(cases.map(([, v]) => v));
    expect(Object.is(got[1], -0)).toBe(true);
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
    const shapes = readModelWeightShapes(dir);
    expect([...shapes.tensors].sort()).toEqual([
      ['x', { dtype: 'F32', shape: [2] }],
      ['y', { dtype: 'F32', shape: [1] }],
    ]);
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
    [
      'int64 value outside int32',
      () => {
        const data = Buffer.alloc(16);
        data.writeBigInt64LE(1n, 0);
        data.writeBigInt64LE(2n ** 40n, 8);
        return rawFile('t9', { ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data);
      },
      /tensor ids: int64 value 1099511627776 does not fit in int32/,
    ],
    ['header not valid UTF-8', () => rawFile('t10', Buffer.from([0x7b, 0xff, 0x7d]), 0), /not valid JSON/],
    [
      'negative shape',
      () => rawFile('t11', { a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4),
      /invalid shape \[-1\]/,
    ],
    [
      'offsets reversed',
      () => rawFile('t12', { a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 4),
      /out of range/,
    ],
    [
      '__metadata__ value not a string',
      () => rawFile('t13', { __metadata__: { n: 1 } }, 0),
      /__metadata__.n is not a string/,
    ],
    ['tensor entry not an object', () => rawFile('t14', { a: 5 }, 0), /tensor a: entry is not an object/],
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

  it('reads the header alone without the data, validating it as a full read does', () => {
    const file = path.join(HF_TINY_DIR, 'bert-seqcls/base/model.safetensors');
    const header = readSafetensorsHeader(file);
    const full = readSafetensors(file);
    expect([...header.tensors.keys()].sort()).toEqual([...full.tensors.keys()].sort());
    for (const [name, t] of full.tensors) expect(header.tensors.get(name)?.shape).toEqual(t.shape);
    expect(header.metadata).toEqual(full.metadata);
    const bad = rawFile('h1', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4);
    expect(() => readSafetensorsHeader(bad)).toThrow(`${bad}: tensor a: offsets [0, 8] out of range`);
    expect(() => readSafetensorsHeader(rawFile('h2', { a: 1 }, 0, 1000))).toThrow(/runs past the end/);
  });

  it('writes F16, BF16 and I64 when asked, rounding to nearest even', () => {
    const third = 1 / 3;
    const values = [1, -2, 0.5, 65504, 70000, third, 2 ** -24, 2 ** -26];
    const tensors = new Map<string, RawTensor>([
      ['h', f32(values, [values.length])],
      ['b', f32([1, -3, third], [3])],
      ['i', { dtype: 'int32', shape: [2], data: Int32Array.from([-5, 2147483647]) }],
    ]);
    const dtypes: Record<string, 'F16' | 'BF16' | 'I64'> = { h: 'F16', b: 'BF16', i: 'I64' };
    const file = path.join(tmp.dir, 'dtypes.safetensors');
    writeSafetensors(file, tensors, {}, { dtypeOf: (name) => dtypes[name] });
    expect([...readSafetensorsHeader(file).tensors].map(([n, t]) => [n, t.dtype])).toEqual([
      ['b', 'BF16'],
      ['h', 'F16'],
      ['i', 'I64'],
    ]);
    const back = readSafetensors(file).tensors;
    // f16: 1/3 -> 0x3555 = (1 + 341/1024) / 4; 70000 overflows; 2^-24 is the smallest subnormal; 2^-26 rounds to 0.
    expect(Array.from(back.get('h')?.data ?? [])).toEqual([
      1,
      -2,
      0.5,
      65504,
      Infinity,
      (1 + 341 / 1024) / 4,
      2 ** -24,
      0,
    ]);
    // bf16: 1/3 = 0x3eaaaaab -> 0x3eab (rounded up) = (1 + 43/128) / 4.
    expect(Array.from(back.get('b')?.data ?? [])).toEqual([1, -3, (1 + 43 / 128) / 4]);
    expect(back.get('i')).toEqual(tensors.get('i'));
  });

  it('refuses a dtype that would lose the kind of value', () => {
    const t = new Map<string, RawTensor>([['x', f32([1.5], [1])]]);
    expect(() => encodeSafetensors(t, {}, { dtypeOf: () => 'I64' })).toThrow(
      'x: cannot store float32 as I64',
    );
  });

  describe('sharded checkpoints', () => {
    const shardDir = (
      name: string,
      index: unknown,
      shards: Record<string, Map<string, RawTensor> | Buffer>,
    ) => {
      const dir = path.join(tmp.dir, name);
      fs.mkdirSync(dir);
      for (const [file, content] of Object.entries(shards)) {
        if (Buffer.isBuffer(content)) fs.writeFileSync(path.join(dir, file), content);
        else writeSafetensors(path.join(dir, file), content);
      }
      fs.writeFileSync(
        path.join(dir, 'model.safetensors.index.json'),
        typeof index === 'string' ? index : JSON.stringify(index),
      );
      return dir;
    };
    const one = new Map([['x', f32([1, 2], [2])]]);

    it('refuses a missing shard, naming it', () => {
      const dir = shardDir(
        's1',
        { weight_map: { x: 'a.safetensors', y: 'b.safetensors' } },
        { 'a.safetensors': one },
      );
      expect(() => readModelWeights(dir)).toThrow(`${path.join(dir, 'b.safetensors')}: no such file`);
    });

    it('refuses an index naming a tensor its shard lacks', () => {
      const dir = shardDir(
        's2',
        { weight_map: { x: 'a.safetensors', z: 'a.safetensors' } },
        { 'a.safetensors': one },
      );
      expect(() => readModelWeights(dir)).toThrow(/index lists z but the shard has no such tensor/);
    });

    it('refuses a malformed shard as a whole (no partial load)', () => {
      const dir = shardDir(
        's3',
        { weight_map: { x: 'a.safetensors', y: 'b.safetensors' } },
        { 'a.safetensors': one, 'b.safetensors': Buffer.alloc(3) },
      );
      expect(() => readModelWeights(dir)).toThrow(SafetensorsError);
    });

    it('refuses an index that is not JSON, has no weight_map or escapes the folder', () => {
      expect(() => readModelWeights(shardDir('s4', '{', {}))).toThrow(
        /model.safetensors.index.json: not valid JSON/,
      );
      expect(() => readModelWeights(shardDir('s5', { metadata: {} }, {}))).toThrow(/has no weight_map/);
      expect(() => readModelWeights(shardDir('s6', { weight_map: { x: '../a.safetensors' } }, {}))).toThrow(
        /is not a plain file name/,
      );
    });

    it('a folder with neither file says so', () => {
      const dir = path.join(tmp.dir, 'empty-model');
      fs.mkdirSync(dir);
      expect(() => readModelWeights(dir)).toThrow(
        `${dir}: no model.safetensors or model.safetensors.index.json`,
      );
    });
  });

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
