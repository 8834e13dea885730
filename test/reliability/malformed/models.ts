/**
 * Broken model folders, each a copy of hf-tiny's BERT classifier with one thing wrong: config.json missing, not
 * JSON, of the wrong shape or with impossible values; weights missing, truncated, with a bad header or shapes
 * that do not match the config; tokenizer.json broken or absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';

export const BERT_BASE = path.join(HF_TINY_DIR, 'bert-seqcls/base');

export interface ModelCase {
  name: string;
  model: string;
  /** What the one line must name. */
  expect: RegExp;
  /** Whether `studio tokenize` must refuse it too (a tokenizer problem, or no folder at all). */
  tokenize?: boolean;
}

const CONFIG = JSON.parse(fs.readFileSync(path.join(BERT_BASE, 'config.json'), 'utf8')) as Record<
  string,
  unknown
>;

/** Copies the base into `dir/name` and applies `change` to the copy. */
function variant(dir: string, name: string, change: (d: string) => void): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  for (const f of [
    'config.json',
    'model.safetensors',
    'tokenizer.json',
    'tokenizer_config.json',
    'vocab.txt',
  ])
    fs.copyFileSync(path.join(BERT_BASE, f), path.join(d, f));
  change(d);
  return d;
}

const writeConfig = (d: string, patch: Record<string, unknown>) =>
  fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...CONFIG, ...patch }));

/** A safetensors file whose 8-byte header length and header are as given. */
function safetensors(header: string, declared = Buffer.byteLength(header)): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(declared));
  return Buffer.concat([len, Buffer.from(header)]);
}

export function modelCorpus(dir: string): ModelCase[] {
  const v = (name: string, change: (d: string) => void, expect: RegExp, tokenize = false): ModelCase => ({
    name,
    model: variant(dir, name, change),
    expect,
    tokenize,
  });
  const st = (d: string) => path.join(d, 'model.safetensors');
  const asFile = path.join(dir, 'model-is-a-file');
  fs.writeFileSync(asFile, 'not a folder');
  return [
    { name: 'no such folder', model: path.join(dir, 'nowhere'), expect: /nowhere\/config\.json: not found/ },
    { name: 'a file, not a folder', model: asFile, expect: /model-is-a-file\/config\.json: not found/ },
    v('no-config', (d) => fs.rmSync(path.join(d, 'config.json')), /no-config\/config\.json: not found/),
    v(
      'config-not-json',
      (d) => fs.writeFileSync(path.join(d, 'config.json'), '{"model_type": "bert",'),
      /config-not-json\/config\.json: not valid JSON/,
    ),
    v(
      'config-array',
      (d) => fs.writeFileSync(path.join(d, 'config.json'), '[1, 2]'),
      /config-array\/config\.json: model_type undefined is not supported/,
    ),
    v(
      'config-unknown-type',
      (d) => writeConfig(d, { model_type: 'mamba' }),
      /config-unknown-type\/config\.json: model_type "mamba" is not supported/,
    ),
    v(
      'config-no-hidden',
      (d) => writeConfig(d, { hidden_size: undefined }),
      /config-no-hidden\/config\.json: hidden_size/,
    ),
    v(
      'config-hidden-string',
      (d) => writeConfig(d, { hidden_size: '64' }),
      /config-hidden-string\/config\.json: hidden_size/,
    ),
    v(
      'config-negative-layers',
      (d) => writeConfig(d, { num_hidden_layers: -2 }),
      /config-negative-layers\/config\.json: num_hidden_layers/,
    ),
    v(
      'config-heads-indivisible',
      (d) => writeConfig(d, { num_attention_heads: 5 }),
      /config-heads-indivisible\/config\.json: hidden_size 64 is not divisible/,
    ),
    v(
      'config-bad-activation',
      (d) => writeConfig(d, { hidden_act: 'sparkle' }),
      /config-bad-activation\/config\.json: hidden_act/,
    ),
    v('no-weights', (d) => fs.rmSync(st(d)), /no-weights/),
    v(
      'weights-truncated',
      (d) => fs.writeFileSync(st(d), Buffer.from([1, 2, 3])),
      /weights-truncated\/model\.safetensors/,
    ),
    v(
      'weights-header-too-long',
      (d) => fs.writeFileSync(st(d), safetensors('{}', 2 ** 40)),
      /weights-header-too-long\/model\.safetensors/,
    ),
    v(
      'weights-header-not-json',
      (d) => fs.writeFileSync(st(d), safetensors('{"a": [1,')),
      /weights-header-not-json\/model\.safetensors/,
    ),
    v(
      'weights-offsets-outside',
      (d) => fs.writeFileSync(st(d), safetensors('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}')),
      /weights-offsets-outside\/model\.safetensors/,
    ),
    v(
      'shape-mismatch',
      (d) => writeConfig(d, { intermediate_size: 96 }),
      /shape-mismatch: wrong shapes: bert\.encoder\.layer\.0\.intermediate\.dense\.weight is \[128, 64\], expected \[96, 64\]/,
    ),
    v(
      'missing-layer',
      (d) => writeConfig(d, { num_hidden_layers: 3 }),
      /missing-layer: missing weights: bert\.encoder\.layer\.2\./,
    ),
    v(
      'tokenizer-not-json',
      (d) => fs.writeFileSync(path.join(d, 'tokenizer.json'), '{"version": "1.0",'),
      /tokenizer-not-json\/tokenizer\.json: not valid JSON/,
      true,
    ),
    v(
      'tokenizer-wrong-shape',
      (d) => fs.writeFileSync(path.join(d, 'tokenizer.json'), '{"version":"1.0","model":{"type":"Nope"}}'),
      /tokenizer-wrong-shape\/tokenizer\.json: not a tokenizer/,
      true,
    ),
    v(
      'tokenizer-array',
      (d) => fs.writeFileSync(path.join(d, 'tokenizer.json'), '[]'),
      /tokenizer-array\/tokenizer\.json: expected a JSON object/,
      true,
    ),
    v(
      'no-tokenizer',
      (d) => ['tokenizer.json', 'vocab.txt'].forEach((f) => fs.rmSync(path.join(d, f))),
      /no-tokenizer: no tokenizer\.json, vocab\.txt/,
      true,
    ),
    v(
      'vocab-no-unk',
      (d) => {
        fs.rmSync(path.join(d, 'tokenizer.json'));
        fs.writeFileSync(path.join(d, 'vocab.txt'), 'a\nb\nc\n');
      },
      /vocab-no-unk\/vocab\.txt: the vocabulary has no/,
      true,
    ),
  ];
}
