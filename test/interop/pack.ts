/**
 * Helper of make-exports.sh. `pack IN_DIR OUT.safetensors`: the `studio tokenize` outputs IN_DIR/tok-*.json
 * (in name order) padded into one batch of input_ids, attention_mask and token_type_ids for `studio predict`.
 * `expect OUT.json INPUTS.safetensors NAME=LOGITS.safetensors...`: the inputs and each model's logits as JSON, the
 * one file verify_exports.py compares transformers and PEFT against.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../src-main/engine/safetensors/index.ts';

interface Tokenized {
  ids: number[];
  typeIds: number[];
}

function pack(inDir: string, out: string): void {
  const files = fs
    .readdirSync(inDir)
    .filter((f) => /^tok-.*\.json$/.test(f))
    .sort();
  const rows = files.map((f) => JSON.parse(fs.readFileSync(path.join(inDir, f), 'utf8')) as Tokenized);
  const len = Math.max(...rows.map((r) => r.ids.length));
  const grid = (f: (r: Tokenized, i: number) => number) =>
    Int32Array.from(
      rows.flatMap((r) => Array.from({ length: len }, (_, i) => (i < r.ids.length ? f(r, i) : 0))),
    );
  const t = (data: Int32Array): RawTensor => ({ dtype: 'int32', shape: [rows.length, len], data });
  writeSafetensors(
    out,
    new Map([
      ['input_ids', t(grid((r, i) => r.ids[i] ?? 0))],
      ['attention_mask', t(grid(() => 1))],
      ['token_type_ids', t(grid((r, i) => r.typeIds[i] ?? 0))],
    ]),
  );
}

function nested(t: RawTensor): number[][] {
  const [rows = 0, cols = 0] = t.shape;
  return Array.from({ length: rows }, (_, r) => Array.from(t.data.subarray(r * cols, (r + 1) * cols)));
}

function expectFile(out: string, inputs: string, logits: string[]): void {
  const ins = readSafetensors(inputs).tensors;
  const get = (file: string, name: string): RawTensor => {
    const t = readSafetensors(file).tensors.get(name);
    if (!t) throw new Error(`${file}: no ${name}`);
    return t;
  };
  const json = {
    input_ids: nested(ins.get('input_ids') as RawTensor),
    attention_mask: nested(ins.get('attention_mask') as RawTensor),
    token_type_ids: nested(ins.get('token_type_ids') as RawTensor),
    logits: Object.fromEntries(
      logits.map((spec) => {
        const [name, file] = spec.split('=') as [string, string];
        return [name, nested(get(file, 'logits'))];
      }),
    ),
  };
  fs.writeFileSync(out, `${JSON.stringify(json, null, 1)}\n`);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'pack' && args.length === 2) pack(args[0] as string, args[1] as string);
else if (cmd === 'expect' && args.length >= 3)
  expectFile(args[0] as string, args[1] as string, args.slice(2));
else {
  process.stderr.write('usage: pack IN_DIR OUT.safetensors | expect OUT.json INPUTS NAME=LOGITS...\n');
  process.exit(2);
}
