/**
 * Truncating encodes read prefixes of long texts (prefix.ts); these compare them with the whole-text path
 * (encodeWhole) on real and generated texts, for every tokenizer the repository ships or tests, single and pair,
 * at several maxLengths. A careless cut (not at whitespace, or keeping ids from the prefix's last pre-token) makes
 * them fail.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSample } from '../../../../src-main/data/samples.ts';
import { Rng } from '../../../../src-main/data/rng.ts';
import { loadTokenizer, readTokenizerFiles } from '../../../../src-main/models/tokenizer/index.ts';
import type { TextTokenizer } from '../../../../src-main/models/tokenizer/index.ts';
import { joinPairsInPostProcessor } from '../../../../src-main/models/tokenizer/post-processor.ts';
import {
  FIRST_CHARS_PER_ID,
  attempt,
  cutPoint,
  prefixLayout,
  whitespaceAt,
} from '../../../../src-main/models/tokenizer/prefix.ts';
import type { Layout } from '../../../../src-main/models/tokenizer/prefix.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../../helpers/fixtures.ts';
import { tempDir } from '../../../helpers/temp.ts';

const tmp = tempDir('studio-tok-prefix-');
afterAll(() => tmp.cleanup());

type Json = Record<string, unknown>;

/** A copy of a tokenizer folder with some files dropped and tokenizer.json edited. */
function variant(from: string, name: string, opts: { drop?: string[]; edit?: (j: Json) => void }): string {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(from)) {
    if (/^(tokenizer|vocab|merges|special_tokens_map|tokenizer_config)/.test(f)) {
      fs.copyFileSync(path.join(from, f), path.join(dir, f));
    }
  }
  for (const f of opts.drop ?? []) fs.rmSync(path.join(dir, f));
  if (opts.edit) {
    const file = path.join(dir, 'tokenizer.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    opts.edit(json);
    fs.writeFileSync(file, JSON.stringify(json));
  }
  return dir;
}

/** Adds tokens to a tokenizer.json, with ids after its vocabulary. */
const addTokens = (tokens: Json[]) => (json: Json) => {
  const added = json.added_tokens as Json[];
  const vocab = (json.model as Json).vocab as Json;
  let id = Math.max(...Object.values(vocab).map(Number), ...added.map((t) => Number(t.id))) + 1;
  for (const t of tokens) {
    added.push({ id: id++, single_word: false, lstrip: false, rstrip: false, special: false, ...t });
  }
};

const tinyBase = (name: string) => path.join(HF_TINY_DIR, name, 'base');
const moreBase = (name: string) => path.join(OWN_FIXTURES_DIR, 'hf-more/seed-1', name, 'base');

/** Every tokenizer folder under models/, hf-tiny and hf-more, one per distinct tokenizer.json. */
function shippedFolders(): string[] {
  const dirs = [
    ...fs.readdirSync(path.join(REPO_ROOT, 'models')).map((m) => path.join(REPO_ROOT, 'models', m)),
    ...fs.readdirSync(HF_TINY_DIR).map(tinyBase),
    ...fs.readdirSync(path.join(OWN_FIXTURES_DIR, 'hf-more/seed-1')).map(moreBase),
  ];
  const seen = new Set<string>();
  return dirs.filter((d) => {
    const file = path.join(d, 'tokenizer.json');
    if (!fs.existsSync(file)) return false;
    const hash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (seen.has(hash)) return false;
    seen.add(hash);
    return true;
  });
}

const folders: [string, string][] = [
  ...shippedFolders().map((d): [string, string] => [path.relative(path.dirname(REPO_ROOT), d), d]),
  // The fallbacks that describe vocab.txt and vocab.json + merges.txt as a tokenizer.json.
  ['bert vocab.txt', variant(tinyBase('bert-seqcls'), 'bert-wordpiece', { drop: ['tokenizer.json'] })],
  ['gpt2 vocab.json', variant(tinyBase('gpt2-lm'), 'gpt2-bpe', { drop: ['tokenizer.json'] })],
  // Added tokens that strip spaces beside them (RoBERTa's <mask>) and normalized added tokens (matched after
  // lowercasing): their splits stay on one side of a whitespace cut.
  [
    'gpt2 + <mask> (lstrip), <sep2> (rstrip)',
    variant(tinyBase('gpt2-lm'), 'gpt2-strip', {
      edit: addTokens([
        { content: '<mask>', lstrip: true, normalized: false, special: true },
        { content: '<sep2>', rstrip: true, normalized: false, special: true },
      ]),
    }),
  ],
  [
    'bert + normalized "whale", lstrip "[SHIP]"',
    variant(tinyBase('bert-seqcls'), 'bert-normalized-added', {
      edit: addTokens([
        { content: 'whale', normalized: true },
        { content: '[SHIP]', lstrip: true, rstrip: true, normalized: false, special: true },
      ]),
    }),
  ],
  [
    'bert, cased',
    variant(tinyBase('bert-seqcls'), 'bert-cased', {
      edit: (j) => Object.assign(j.normalizer as Json, { lowercase: false, strip_accents: null }),
    }),
  ],
];

/** Pieces the generated texts are made of: the cases where a careless cut changes the ids it keeps. */
const PIECES = [
  ..."the whale Ishmael SHIP it's don't we'll HTTP x y 42 3.14 1,000 e-mail , . ! ? ... -- ( ) \" @ #$% :-)".split(
    ' ',
  ),
  'http://example.com/a?b=c&d=e',
  'café',
  'cafe\u0301',
  'naïve',
  'ÅNGSTRÖM',
  'ΟΔΟΣ',
  'ΣΑΣ.',
  'Σ',
  'İstanbul',
  'straße',
  '\u0301',
  '中文字符',
  '日本語です',
  '한국어',
  '\u{20000}\u{20001}',
  '😀',
  '👩‍👩‍👧',
  '🇫🇷',
  '❤️',
  '\u0000',
  '\u0007',
  '\uFFFD',
  '\u200b',
  '\u00ad',
  'a'.repeat(150),
  `${'x'.repeat(99)}yz`,
  'QmFzZTY0IGVuY29kZWQgdGV4dCB3aXRoIG5vIHNwYWNlcyBhdCBhbGw'.repeat(4),
  '[CLS]',
  '[SEP]',
  '[MASK]',
  '[UNK]',
  '[PAD]',
  'xx[SEP]yy',
  '<|endoftext|>',
  '<|startoftext|>',
  '<mask>',
  '<sep2>',
  'Whale',
  '[SHIP]',
];
const GAPS = ['', ' ', ' ', ' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n', ' \t ', '\u00a0', '\u3000', '    '];

const MAX_LENGTHS = [3, 5, 16, 64];
/** Pairs cost two texts' pre-tokens on top: fewer lengths, still one where the special tokens fill it (3). */
const PAIR_MAX_LENGTHS = [3, 33];

function generated(count: number): string[] {
  const rng = new Rng(20261207);
  const pick = <T>(xs: readonly T[]) => xs[rng.nextInt(xs.length)] as T;
  return Array.from({ length: count }, () => {
    const n = 5 + rng.nextInt(120);
    let text = rng.nextInt(4) === 0 ? pick(GAPS) : '';
    for (let i = 0; i < n; i++) text += pick(PIECES) + pick(GAPS);
    return text;
  });
}

const spam = loadSample('spam-assassin')
  .rows.filter((_, i) => i % 300 === 0)
  .map((r) => r.text.slice(0, 1200));
const moby = (loadSample('moby-dick').text ?? '')
  .split(/\n\s*\n/)
  .filter((p) => p.length > 200)
  .filter((_, i) => i % 100 === 0);
const GENERATED = generated(100);
const TEXTS = [...GENERATED.slice(0, 40), ...spam, ...moby];

/** The encoding, or the error's message: both paths must agree on refusals too. */
function outcome(
  tok: TextTokenizer,
  whole: boolean,
  text: string,
  pair: string | undefined,
  maxLength: number,
) {
  try {
    return whole ? tok.encodeWhole(text, { pair, maxLength }) : tok.encode(text, { pair, maxLength });
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** Every whitespace cut point of `text` below `limit` characters. */
function cutsOf(text: string, limit: number): number[] {
  const cuts: number[] = [];
  for (let at = whitespaceAt(text, 1); at !== null && at < limit; at = whitespaceAt(text, at + 1))
    cuts.push(at);
  return cuts;
}

describe.each(folders)('%s', (_name, dir) => {
  const tok = loadTokenizer(dir);
  const files = readTokenizerFiles(dir);
  const json = joinPairsInPostProcessor(files?.json ?? {});
  const lib = new Tokenizer(json, files?.config ?? {});
  const layout = prefixLayout(lib, json, files?.config ?? {}) as Layout;

  it('reads prefixes (the comparisons below would otherwise be of the whole-text path with itself)', () => {
    expect(tok.readsPrefixes).toBe(true);
    expect(layout).not.toBeNull();
  });

  // The property itself: whatever prefix a try accepts, its ids are the whole text's. Cuts from the second
  // character on, where the kept ids come closest to the end of the prefix.
  it.each([4, 7, 12])(
    "every accepted cut of a single text gives the whole text's ids (maxLength %i)",
    (max) => {
      let accepted = 0;
      for (const text of GENERATED) {
        const whole = tok.encodeWhole(text, { maxLength: max });
        for (const cut of cutsOf(text, 16 * max)) {
          const got = attempt(lib, layout, { text: text.slice(0, cut), cut: true }, null, max);
          if (got === 'grow' || got === null) continue;
          accepted++;
          expect(got, JSON.stringify([text, cut])).toEqual(whole);
        }
      }
      expect(accepted).toBeGreaterThan(GENERATED.length);
    },
  );

  it.each([4, 9])("every accepted pair of cuts gives the whole pair's ids (maxLength %i)", (max) => {
    let accepted = 0;
    for (let i = 0; i + 1 < GENERATED.length; i += 2) {
      const [a, b] = [GENERATED[i] as string, GENERATED[i + 1] as string];
      const whole = tok.encodeWhole(a, { pair: b, maxLength: max });
      const cutsB = cutsOf(b, 16 * max);
      cutsOf(a, 16 * max).forEach((cut, k) => {
        // Each cut of the first text with one of the second's (or the second whole).
        const cutB = k % 4 === 3 ? undefined : cutsB[k % Math.max(1, cutsB.length)];
        const partB = { text: cutB === undefined ? b : b.slice(0, cutB), cut: cutB !== undefined };
        const got = attempt(lib, layout, { text: a.slice(0, cut), cut: true }, partB, max);
        if (got === 'grow' || got === null) return;
        accepted++;
        expect(got, JSON.stringify([a, cut, b, cutB])).toEqual(whole);
      });
    }
    expect(accepted).toBeGreaterThan(GENERATED.length / 2);
  });

  it.each(MAX_LENGTHS)('encode gives what encodeWhole gives: single texts at maxLength %i', (max) => {
    let cuts = 0;
    for (const text of TEXTS) {
      if (cutPoint(text, FIRST_CHARS_PER_ID * max, false) !== null) cuts++;
      expect(outcome(tok, false, text, undefined, max), JSON.stringify(text)).toEqual(
        outcome(tok, true, text, undefined, max),
      );
    }
    expect(cuts).toBeGreaterThan(TEXTS.length / 4);
  });

  it.each(PAIR_MAX_LENGTHS)('encode gives what encodeWhole gives: pairs at maxLength %i', (max) => {
    for (let i = 0; i + 1 < TEXTS.length; i += 2) {
      // Long with long, and (every other pair) a short second text that is kept whole.
      const [a, b] = [TEXTS[i] as string, TEXTS[i + 1] as string];
      const y = i % 4 === 0 ? b.slice(0, 40) : b;
      expect(outcome(tok, false, a, y, max), JSON.stringify([a, y])).toEqual(outcome(tok, true, a, y, max));
    }
  });
});

describe('tokenizers whose prefixes are not shown exact take the whole-text path', () => {
  const gpt2 = tinyBase('gpt2-lm');
  const cases: [string, (j: Json) => void][] = [
    ['an added token with a space in it', addTokens([{ content: 'new york', normalized: false }])],
    ['a Metaspace pre-tokenizer', (j) => (j.pre_tokenizer = { type: 'Metaspace', replacement: '▁' })],
    ['fuse_unk', (j) => ((j.model as Json).fuse_unk = true)],
    ['a normalizer it does not know', (j) => (j.normalizer = { type: 'NFKC' })],
    ['BertProcessing', (j) => (j.post_processor = { type: 'BertProcessing', sep: ['a', 1], cls: ['b', 2] })],
  ];
  it.each(cases)('%s', (name, edit) => {
    const dir = variant(gpt2, `reject-${name.replace(/\W+/g, '-')}`, { edit });
    expect(loadTokenizer(dir).readsPrefixes).toBe(false);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as Json;
    expect(prefixLayout(new Tokenizer(json, {}), json, {})).toBeNull();
  });

  it('and give what the whole texts give across an added token with a space', () => {
    const tok = loadTokenizer(
      variant(gpt2, 'reject-new-york', { edit: addTokens([{ content: 'new york' }]) }),
    );
    const text = `${'I went to new york and '.repeat(20)}`;
    for (const max of [4, 9, 30])
      expect(tok.encode(text, { maxLength: max })).toEqual(tok.encodeWhole(text, { maxLength: max }));
  });
});

describe('prefixLayout', () => {
  it('counts the special tokens around the texts of a template', () => {
    const json = JSON.parse(
      fs.readFileSync(path.join(tinyBase('bert-seqcls'), 'tokenizer.json'), 'utf8'),
    ) as Json;
    expect(prefixLayout(new Tokenizer(json, {}), json, {})).toEqual({
      single: [1, 1],
      pair: [1, 1, 1],
      lastExact: true,
    });
  });
});
