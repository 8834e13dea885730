import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../src-main/engine/safetensors/index.ts';
import { loadTokenizer, longestFirst } from '../../../../src-main/models/tokenizer/index.ts';
import { UserError } from '../../../../src-main/errors.ts';
import { joinPairsInPostProcessor } from '../../../../src-main/models/tokenizer/post-processor.ts';
import { cappedLength } from '../../../../src-main/models/tokenizer/pretokens.ts';
import { HF_TINY_DIR } from '../../../helpers/fixtures.ts';
import { tempDir } from '../../../helpers/temp.ts';

const tmp = tempDir('studio-tok-');
afterAll(() => tmp.cleanup());

interface RefEncoding {
  text: string;
  text_pair?: string;
  ids: number[];
  tokens: string[];
  type_ids?: number[];
}

const base = (name: string) => path.join(HF_TINY_DIR, name, 'base');
const refsOf = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(base(name), 'tokenizer_reference.json'), 'utf8')) as RefEncoding[];
/** The fixture generator's SENTENCES, in order: the first four single-text references. */
const SENTENCES = refsOf('bert-seqcls')
  .filter((r) => r.text_pair === undefined)
  .map((r) => r.text);

/** A copy of a model folder without some files, to exercise the fallbacks. */
function without(name: string, drop: string[]): string {
  const dir = path.join(tmp.dir, `${name}-no-${drop.join('-')}`);
  fs.cpSync(base(name), dir, { recursive: true });
  for (const f of drop) fs.rmSync(path.join(dir, f), { force: true });
  return dir;
}

const cases = [
  { model: 'bert-seqcls', drop: [], kind: 'tokenizer.json' },
  { model: 'bert-seqcls', drop: ['tokenizer.json'], kind: 'wordpiece' },
  { model: 'bert-seqcls', drop: ['tokenizer.json', 'tokenizer_config.json'], kind: 'wordpiece' },
  { model: 'gpt2-lm', drop: [], kind: 'tokenizer.json' },
  { model: 'gpt2-lm', drop: ['tokenizer.json'], kind: 'byte-level-bpe' },
  { model: 'gpt2-lm', drop: ['tokenizer.json', 'tokenizer_config.json'], kind: 'byte-level-bpe' },
] as const;

describe.each(cases)('$model from $kind (without: $drop)', ({ model, drop, kind }) => {
  const dir = drop.length ? without(model, [...drop]) : base(model);

  it('gives exactly the reference ids, tokens and type ids', () => {
    const tok = loadTokenizer(dir);
    expect(tok.kind).toBe(kind);
    for (const ref of refsOf(model)) {
      const e = tok.encode(ref.text, { pair: ref.text_pair });
      expect(e.ids).toEqual(ref.ids);
      expect(e.tokens).toEqual(ref.tokens);
      expect(e.typeIds).toEqual(ref.type_ids ?? ref.ids.map(() => 0));
    }
  });
});

describe('batches equal the inputs the reference models were given', () => {
  const refInputs = (name: string) => {
    const t = readSafetensors(path.join(base(name), 'reference.safetensors')).tensors;
    return {
      ids: Array.from(t.get('input_ids')?.data ?? []),
      mask: Array.from(t.get('attention_mask')?.data ?? []),
    };
  };
  const [s0, s1, s2, s3] = SENTENCES as [string, string, string, string];

  it('bert-seqcls: padded sentence pairs', () => {
    const b = loadTokenizer(base('bert-seqcls')).encodeBatch([s0, s2], { pairs: [s1, s3], maxLength: 512 });
    expect({ ids: Array.from(b.ids), mask: Array.from(b.mask) }).toEqual(refInputs('bert-seqcls'));
    // The second segment has type id 1 up to its [SEP]; padding has type 0.
    const pairTypes = refsOf('bert-seqcls').find((r) => r.text_pair)?.type_ids ?? [];
    const row0 = Array.from(b.typeIds.subarray(0, b.length));
    expect(row0).toEqual([...pairTypes, ...Array<number>(b.length - pairTypes.length).fill(0)]);
  });

  it('distilbert-seqcls: padded single texts', () => {
    const b = loadTokenizer(base('distilbert-seqcls')).encodeBatch([s0, s1, s2], { maxLength: 512 });
    expect({ ids: Array.from(b.ids), mask: Array.from(b.mask) }).toEqual(refInputs('distilbert-seqcls'));
  });

  it.each(['gpt2-lm', 'llama-lm'])('%s: truncated to 24 ids, right-padded with 0', (name) => {
    const b = loadTokenizer(base(name)).encodeBatch([s0, s1], { maxLength: 24 });
    expect({ ids: Array.from(b.ids), mask: Array.from(b.mask) }).toEqual(refInputs(name));
  });

  it('pads to maxLength when asked', () => {
    const b = loadTokenizer(base('bert-seqcls')).encodeBatch([s0], { maxLength: 16, padTo: 'max' });
    expect(b.length).toBe(16);
    expect(Array.from(b.mask).filter((m) => m === 1).length).toBe(refsOf('bert-seqcls')[0]?.ids.length);
  });
});

describe('truncation', () => {
  it('follows the Rust library longest_first rule', () => {
    // [lenA, lenB, target] -> kept lengths; the cases of tokenizers' own truncation tests (max_length 7).
    const table: [number, number, [number, number]][] = [
      [0, 8, [0, 7]],
      [2, 8, [2, 5]],
      [4, 4, [3, 4]],
      [4, 8, [3, 4]],
      [8, 0, [7, 0]],
      [8, 2, [5, 2]],
      [8, 4, [4, 3]],
      [8, 8, [3, 4]],
      [2, 2, [2, 2]],
    ];
    for (const [a, b, want] of table) expect(longestFirst(a, b, 7)).toEqual(want);
  });

  it('keeps the special tokens and truncates the texts of a pair', () => {
    const tok = loadTokenizer(base('bert-seqcls'));
    const ref = refsOf('bert-seqcls').find((r) => r.text_pair) as RefEncoding;
    const a = tok.encode(ref.text, {}).ids.length - 2;
    const b = tok.encode(ref.text_pair as string, {}).ids.length - 2;
    const max = 12;
    const [ka, kb] = longestFirst(a, b, max - 3);
    const e = tok.encode(ref.text, { pair: ref.text_pair, maxLength: max });
    expect(e.ids.length).toBe(max);
    const sep = ref.ids[a + 1] as number;
    const cls = ref.ids[0] as number;
    expect(e.ids).toEqual([cls, ...ref.ids.slice(1, 1 + ka), sep, ...ref.ids.slice(a + 2, a + 2 + kb), sep]);
    expect(e.typeIds).toEqual([...Array<number>(ka + 2).fill(0), ...Array<number>(kb + 1).fill(1)]);
  });

  it('compares the lengths tokenizers 0.23 holds under the limit: whole words up to max_length tokens', () => {
    const word = (n: number, model = true) => ({ tokens: Array<string>(n).fill('t'), model });
    const pre = [word(1), word(3), word(1), word(2)];
    expect(cappedLength(pre, 1)).toBe(1);
    expect(cappedLength(pre, 2)).toBe(4); // the word that reaches the limit is kept whole
    expect(cappedLength(pre, 4)).toBe(4);
    expect(cappedLength(pre, 5)).toBe(5);
    expect(cappedLength(pre, 100)).toBe(7);
    // An added token counts but does not stop the count; the next word does.
    expect(cappedLength([word(1), word(1, false), word(2)], 2)).toBe(4);
  });

  it('gives the odd token by the capped lengths (the case that differs from the full lengths)', () => {
    // "Call me Ishmael." is 8 word pieces, the long sentence 23; at max_length 8 (budget 5) tokenizers 0.23 holds
    // 8 of each (it stops at the word that reaches 8), so the tie sends the odd token to the second text.
    const tok = loadTokenizer(base('bert-seqcls'));
    const [short, long] = [SENTENCES[0] as string, SENTENCES[1] as string];
    const a = tok.encode(long).ids.length - 2;
    const b = tok.encode(short).ids.length - 2;
    expect(a).toBeGreaterThan(b);
    const e = tok.encode(long, { pair: short, maxLength: 8 });
    expect(e.typeIds.filter((t) => t === 0).length - 2).toBe(2);
    expect(e.typeIds.filter((t) => t === 1).length - 1).toBe(3);
  });

  it('truncates a single text, keeping [CLS] and [SEP]', () => {
    const tok = loadTokenizer(base('bert-seqcls'));
    const ref = refsOf('bert-seqcls')[1] as RefEncoding;
    const e = tok.encode(ref.text, { maxLength: 6 });
    expect(e.ids).toEqual([...ref.ids.slice(0, 5), ref.ids.at(-1)]);
  });

  it('refuses a maxLength the special tokens alone fill', () => {
    const tok = loadTokenizer(base('bert-seqcls'));
    expect(() => tok.encode(SENTENCES[1] as string, { maxLength: 2 })).toThrow(UserError);
  });
});

describe('ByteLevel post-processors (GPT-2 style tokenizer.json)', () => {
  it('keep both texts of a pair, type ids 0 then 1, as the Rust library does', () => {
    const dir = without('gpt2-lm', []);
    const file = path.join(dir, 'tokenizer.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const template = loadTokenizer(dir).encode(SENTENCES[0] as string, { pair: SENTENCES[1] });
    for (const post of [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      { type: 'Sequence', processors: [{ type: 'ByteLevel', trim_offsets: false }] },
    ]) {
      fs.writeFileSync(file, JSON.stringify({ ...json, post_processor: post }));
      expect(loadTokenizer(dir).encode(SENTENCES[0] as string, { pair: SENTENCES[1] })).toEqual(template);
    }
    expect(template.typeIds).toContain(1);
  });

  it('are replaced only where they stand (other post-processors are left alone)', () => {
    const bert = { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] };
    expect(joinPairsInPostProcessor({ post_processor: bert })).toEqual({ post_processor: bert });
    expect(
      joinPairsInPostProcessor({
        post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel' }, bert] },
      }),
    ).toEqual({ post_processor: { type: 'Sequence', processors: [bert] } });
    expect(joinPairsInPostProcessor({ post_processor: null })).toEqual({ post_processor: null });
  });
});

describe('folders without a tokenizer', () => {
  it('says which files it looked for', () => {
    expect(() => loadTokenizer(base('vit-imgcls'))).toThrow(
      /vit-imgcls\/base: no tokenizer.json, vocab.txt or vocab.json \+ merges.txt/,
    );
  });
});
