/**
 * Malformed dataset files, generated: encodings, byte-order marks, quoting, empty and header-only files, binary
 * and NUL bytes, bad JSON lines, wrong types, special files (a symlink to /dev/zero, a FIFO, a folder), and files
 * that are no dataset at all (a secret that must not be echoed).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface DatasetCase {
  name: string;
  /** The dataset block of the train config. */
  dataset: Record<string, string>;
  /** What the one line must name (the file, with its line where it has one). */
  expect: RegExp;
  /** Text that must not appear in the message (a file's content). */
  secret?: string;
  env?: Record<string, string>;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const utf16 = (text: string, bom: boolean, be = false): Buffer => {
  const le = Buffer.from(text, 'utf16le');
  const body = be ? Buffer.from(le.map((_, i) => le[i ^ 1] as number)) : le;
  return bom ? Buffer.concat([Buffer.from(be ? [0xfe, 0xff] : [0xff, 0xfe]), body]) : body;
};
const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => `example ${i},${i % 2 ? 'pos' : 'neg'}`).join('\n');
const SECRET = 'AKIAQ7SECRETVALUE9XYZ';

/** Writes every dataset case's file under `dir` and returns the cases. */
export function datasetCorpus(dir: string): DatasetCase[] {
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };
  const csv = `text,label\n${rows(12)}\n`;
  const named = (
    name: string,
    content: string | Buffer,
    expect?: RegExp,
    extra: Partial<DatasetCase> = {},
  ) => ({
    name,
    dataset: { path: file(name, content) },
    expect: expect ?? new RegExp(esc(name)),
    ...extra,
  });
  const cases: DatasetCase[] = [
    named(
      'utf16le-nobom.csv',
      utf16(csv, false),
      /utf16le-nobom\.csv:1: is UTF-16LE text without a byte-order mark/,
    ),
    named('utf16be-nobom.csv', utf16(csv, false, true), /utf16be-nobom\.csv:1: is UTF-16BE text/),
    named('utf16le-bom.csv', utf16(csv, true), /utf16le-bom\.csv:1: is UTF-16 text/),
    named(
      'latin1.csv',
      Buffer.from('text,label\ncaf\xe9 ok,pos\nfine,neg\n', 'latin1'),
      /latin1\.csv:2: is not valid UTF-8/,
    ),
    named('empty.csv', '', /empty\.csv: the file is empty/),
    named('header-only.csv', 'text,label\n', /header-only\.csv: has no data rows/),
    named('blank-lines.csv', '\n\n  \n', /blank-lines\.csv: has only blank lines/),
    named(
      'broken-quote.csv',
      'text,label\n"never closed,pos\nb,neg\n',
      /broken-quote\.csv:2: a quoted field is never closed/,
    ),
    named(
      'stray-quote.csv',
      'text,label\na,pos\n"b"x",neg\n',
      /stray-quote\.csv:3: a quote inside a quoted field/,
    ),
    named(
      'field-count.csv',
      'text,label\na,pos\nb,neg,extra\n',
      /field-count\.csv:3: has 3 fields, the header has 2/,
    ),
    named('nul-bytes.csv', `text,label\na\0b,pos\nc,neg\n`, /nul-bytes\.csv:2: has a NUL byte/),
    named(
      'binary.csv',
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      /binary\.csv(:\d+)?: (has a NUL byte|is not valid UTF-8)/,
    ),
    named('dup-header.csv', 'text,text\na,b\n', /dup-header\.csv:1: the header names column "text" twice/),
    named('no-header-name.csv', 'text,\na,b\n', /no-header-name\.csv:1: column 2 of the header has no name/),
    named(
      'semicolons.csv',
      'text;label\na;pos\nb;neg\n',
      /semicolons\.csv:1: has one column whose name holds/,
    ),
    named('empty-text.csv', 'text,label\n ,pos\nb,neg\n', /empty-text\.csv:2: empty text in column "text"/),
    named('empty-label.csv', 'text,label\na,\nb,neg\n', /empty-label\.csv:2: empty label/),
    named(
      'single-label.csv',
      `user,password\nalice,${SECRET}\nbob,${SECRET}\n`,
      /single-label\.csv: column "password" has a single label value/,
      { secret: SECRET },
    ),
    named(
      'credentials.csv',
      `AWS_SECRET_ACCESS_KEY=${SECRET}\n`,
      /credentials\.csv: (has no data rows|name the label column; 1 column, not listed)/,
      { secret: SECRET },
    ),
    named(
      'credentials-2.csv',
      `AWS_SECRET_ACCESS_KEY=${SECRET}\nother=1\n`,
      /credentials-2\.csv: name the label column; columns are: 1 column, not listed/,
      { secret: SECRET },
    ),
    named(
      'huge-field.csv',
      `text,label\n"${'x'.repeat(3 * 2 ** 20)}",pos\nb,neg\n`,
      /huge-field\.csv: is 3 MB, over the 2 MB limit/,
      { env: { STUDIO_MAX_DATASET_MB: '2' } },
    ),
    named('bad-line.jsonl', '{"text":"a","label":"pos"}\n{"text":"b",\n', /bad-line\.jsonl:2: invalid JSON/),
    named(
      'bool-label.jsonl',
      '{"text":"a","label":true}\n{"text":"b","label":false}\n',
      /bool-label\.jsonl:1: "label" is a JSON boolean/,
    ),
    named(
      'object-text.jsonl',
      '{"text":{"a":1},"label":"pos"}\n{"text":"b","label":"neg"}\n',
      /object-text\.jsonl:1: "text" is an object/,
    ),
    named(
      'array-line.jsonl',
      '{"text":"a","label":"pos"}\n[1,2]\n',
      /array-line\.jsonl:2: each line must be a JSON object/,
    ),
    named(
      'secret.jsonl',
      `{"token":"${SECRET}"}\n`,
      /secret\.jsonl: name the label column; columns are: 1 column, not listed/,
      { secret: SECRET },
    ),
    named('secret.json', `{"token":"${SECRET}"}`, /secret\.json: expected a JSON array of objects/, {
      secret: SECRET,
    }),
    named(
      'secret-bad.json',
      `["${SECRET}"`,
      /secret-bad\.json(:\d+)?: (invalid JSON|item 1 is not an object)/,
      { secret: SECRET },
    ),
    named(
      'missing-column.csv',
      csv,
      /missing-column\.csv: column "sentiment" \(label\) not found; columns are: text, label/,
    ),
    named('unsupported.xlsx', 'PK\x03\x04', /unsupported\.xlsx: unsupported file type ".xlsx"/),
  ];
  const missingCol = cases.find((c) => c.name === 'missing-column.csv');
  if (missingCol) missingCol.dataset.label = 'sentiment';
  cases.push({
    name: 'missing.csv',
    dataset: { path: path.join(dir, 'missing.csv') },
    expect: /missing\.csv: no such file/,
  });
  const zero = path.join(dir, 'zero.csv');
  fs.symlinkSync('/dev/zero', zero);
  cases.push({
    name: 'symlink to /dev/zero',
    dataset: { path: zero },
    expect: /zero\.csv: is a device, expected a regular file/,
  });
  const fifo = path.join(dir, 'fifo.csv');
  execFileSync('mkfifo', [fifo]);
  cases.push({ name: 'FIFO', dataset: { path: fifo }, expect: /fifo\.csv: is a named pipe \(FIFO\)/ });
  const folder = path.join(dir, 'folder.csv');
  fs.mkdirSync(folder);
  cases.push({ name: 'a folder named .csv', dataset: { path: folder }, expect: /folder\.csv/ });
  const train = file('train-ok.csv', csv);
  const unknown = file('validation-unknown.csv', 'text,label\na,pos\nb,neutral\n');
  cases.push({
    name: 'validation label unknown',
    dataset: { path: train, validation: unknown },
    expect: /validation-unknown\.csv:3: its label does not occur in the training file/,
  });
  cases.push({
    name: '.txt corpus for a classifier',
    dataset: { path: file('corpus.txt', 'some text for a language model\n'.repeat(20)) },
    expect: /corpus\.txt: language modelling needs a causal LM/,
  });
  return cases;
}
