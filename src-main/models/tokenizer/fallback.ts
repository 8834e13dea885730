/**
 * Folders without tokenizer.json (older BERT and GPT-2 checkpoints) still carry vocab.txt or vocab.json +
 * merges.txt. We describe the equivalent tokenizer in tokenizer.json's schema and hand it to the same library,
 * rather than writing a second tokenizer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONCAT_TEMPLATE } from './post-processor.ts';
import { jsonSyntaxProblem } from '../../errors.ts';
import { ModelLoadError } from '../../node-shared/model-errors.ts';

export interface TokenizerFiles {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
  kind: 'tokenizer.json' | 'wordpiece' | 'byte-level-bpe';
}

function readJson(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, 'utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError(`${file}: ${jsonSyntaxProblem(err, text)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ModelLoadError(`${file}: expected a JSON object ({...})`);
  return v as Record<string, unknown>;
}

function wordPiece(vocabFile: string, config: Record<string, unknown>): Record<string, unknown> {
  const tokens = fs.readFileSync(vocabFile, 'utf8').split(/\r?\n/);
  if (tokens.at(-1) === '') tokens.pop();
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const id = (t: string) => {
    if (!(t in vocab)) throw new ModelLoadError(`${vocabFile}: the vocabulary has no ${t} token`);
    return vocab[t] as number;
  };
  const lower = config.do_lower_case !== false;
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].filter((t) => t in vocab);
  return {
    version: '1.0',
    added_tokens: special.map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: lower,
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
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

function byteLevelBpe(vocabFile: string, mergesFile: string): Record<string, unknown> {
  const vocab = readJson(vocabFile);
  const merges = fs
    .readFileSync(mergesFile, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith('#version'));
  return {
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    // What transformers writes for a byte-level BPE: the two texts of a pair joined, type ids 0 then 1.
    post_processor: CONCAT_TEMPLATE,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/** The tokenizer description of a model folder: tokenizer.json, else vocab.txt, else vocab.json + merges.txt. */
export function readTokenizerFiles(dir: string): TokenizerFiles | null {
  const configFile = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(configFile) ? readJson(configFile) : {};
  const json = path.join(dir, 'tokenizer.json');
  if (fs.existsSync(json)) return { json: readJson(json), config, kind: 'tokenizer.json' };
  const vocabTxt = path.join(dir, 'vocab.txt');
  if (fs.existsSync(vocabTxt)) return { json: wordPiece(vocabTxt, config), config, kind: 'wordpiece' };
  const vocabJson = path.join(dir, 'vocab.json');
  const merges = path.join(dir, 'merges.txt');
  if (fs.existsSync(vocabJson) && fs.existsSync(merges)) {
    return { json: byteLevelBpe(vocabJson, merges), config, kind: 'byte-level-bpe' };
  }
  return null;
}
