import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, loadDataset } from '../../../src-main/data/index.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';

const dir = path.join(OWN_FIXTURES_DIR, 'datasets/malformed');

const CASES: [string, Record<string, string>, string][] = [
  ['broken-quote.csv', {}, 'broken-quote.csv:2: a quoted field is never closed (broken quote)'],
  [
    'missing-column.csv',
    { label: 'sentiment' },
    'column "sentiment" (label) not found; columns are: text, label',
  ],
  ['empty-label.csv', {}, 'empty-label.csv:3: empty label in column "label"'],
  ['not-utf8.csv', {}, 'not-utf8.csv:3: is not valid UTF-8 text'],
  ['empty.csv', {}, 'empty.csv: the file is empty'],
  ['too-many-fields.csv', {}, 'too-many-fields.csv:2: has 3 fields, the header has 2'],
  ['bad-line.jsonl', {}, 'bad-line.jsonl:2: invalid JSON'],
  ['single-label.tsv', {}, 'has a single label ("pos")'],
  ['not-array.json', {}, 'expected a JSON array of objects'],
];

describe('malformed datasets each fail with their own clear message', () => {
  it.each(CASES)('%s', (file, cols, message) => {
    let err: unknown;
    try {
      loadDataset({ path: path.join(dir, file), ...cols });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('the messages are all different', () => {
    expect(new Set(CASES.map((c) => c[2])).size).toBe(CASES.length);
  });
});
