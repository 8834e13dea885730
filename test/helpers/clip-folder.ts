/**
 * A CLIP model folder the studio can run end to end: the transformers fixture's tiny CLIPModel
 * (test/fixtures/clip-ref/clip/base) with a WordPiece tokenizer.json over its 99 ids, laid out as the fixture
 * expects (start id 0, padding id 1, end id 98 = its eos_token_id, where the text tower pools).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { OWN_FIXTURES_DIR } from './fixtures.ts';
import { seededRandom } from './model-folder.ts';

export const CLIP_FIXTURE_DIR = path.join(OWN_FIXTURES_DIR, 'clip-ref/clip');

const WORDS = [
  'a',
  'an',
  'the',
  'photo',
  'picture',
  'of',
  'drawing',
  'cat',
  'dog',
  'bird',
  'fish',
  'car',
  'tree',
  'house',
  'red',
  'green',
  'blue',
  'yellow',
  'black',
  'white',
  'square',
  'circle',
  'triangle',
  'star',
  'small',
  'big',
  'one',
  'two',
  'three',
  'left',
  'right',
  'top',
  'bottom',
  'striped',
  'dotted',
  'plain',
  'shape',
  'and',
  'on',
  'in',
  '.',
  ',',
  'is',
];
const LETTERS = 'bcdefghijklmnopqrstuvwxyz'.split('');

/** The vocabulary: [CLS] [PAD] [UNK], words, letters and ##letters (so any lowercase word tokenizes), [SEP] last. */
export function clipTestVocab(): string[] {
  const vocab = ['[CLS]', '[PAD]', '[UNK]', ...WORDS, ...LETTERS, ...LETTERS.map((l) => `##${l}`), '##a'];
  const filler = 98 - vocab.length;
  if (filler < 0) throw new Error(`test vocabulary has ${vocab.length + 1} tokens, the fixture 99`);
  for (let i = 0; i < filler; i++) vocab.push(`[unused${i}]`);
  return [...vocab, '[SEP]'];
}

const special = (id: number, content: string) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

/** Writes the folder under `root` and returns it. */
export function writeClipFolder(root: string, name = 'tiny-clip'): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors'])
    fs.copyFileSync(path.join(CLIP_FIXTURE_DIR, 'base', f), path.join(dir, f));
  const vocab = clipTestVocab();
  const sep = vocab.length - 1;
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [special(0, '[CLS]'), special(1, '[PAD]'), special(2, '[UNK]'), special(sep, '[SEP]')],
      normalizer: {
        type: 'BertNormalizer',
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: true,
        lowercase: true,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
        ],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: {
          '[CLS]': { id: '[CLS]', ids: [0], tokens: ['[CLS]'] },
          '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
        },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      },
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      cls_token: '[CLS]',
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      unk_token: '[UNK]',
      do_lower_case: true,
    }),
  );
  return dir;
}

/** The few-shot colour set: `perClass` noisy 30x30 PNGs per class in `<root>/<class>/` (an image folder dataset). */
export function writeColourImages(root: string, perClass: number, seed: number): Record<string, string[]> {
  const rand = seededRandom(seed);
  const files: Record<string, string[]> = {};
  for (const [name, rgb] of Object.entries(COLOURS)) {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    files[name] = Array.from({ length: perClass }, (_, i) => {
      const p = new PNG({ width: 30, height: 30 });
      for (let q = 0; q < 900; q++)
        p.data.set(
          [...rgb.map((v) => Math.max(0, Math.min(255, Math.round(v + (rand() - 0.5) * 120)))), 255],
          q * 4,
        );
      const file = path.join(root, name, `${i}.png`);
      fs.writeFileSync(file, PNG.sync.write(p));
      return file;
    });
  }
  return files;
}

const COLOURS: Record<string, number[]> = { red: [200, 40, 40], green: [40, 200, 40], blue: [40, 40, 200] };

/**
 * A few-shot CLIP task under `root`, as the CLI tests train one: the model folder, `train/` with `trainPerClass`
 * images of each colour, and `testPerClass` held-out images of each (another seed) as one flat list.
 */
export function writeClipFewShot(
  root: string,
  trainPerClass: number,
  testPerClass: number,
): { model: string; train: string; test: string[] } {
  const model = writeClipFolder(root);
  const train = path.join(root, 'train');
  writeColourImages(train, trainPerClass, 5);
  const test = Object.values(writeColourImages(path.join(root, 'test'), testPerClass, 6)).flat();
  return { model, train, test };
}
