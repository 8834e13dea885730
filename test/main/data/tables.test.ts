import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DatasetError,
  detectKind,
  discoverLabels,
  guessColumns,
  labelMaps,
  loadDataset,
  previewDataset,
  readTable,
} from '../../../src-main/data/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-data-');
afterAll(tmp.cleanup);
let n = 0;
const write = (name: string, content: string | Buffer): string => {
  const file = path.join(tmp.dir, `${n++}-${name}`);
  fs.writeFileSync(file, content);
  return file;
};

describe('CSV / TSV', () => {
  it('keeps physical lines across quoted newlines, CRLF endings and blank lines', () => {
    const file = write('lines.csv', 'text,label\r\n"two\r\nlines",a\r\n\r\nplain,b\r\n"say ""hi""",a\r\n');
    const { table } = readTable(file);
    expect(table.records.map((r) => r.line)).toEqual([2, 5, 6]);
    expect(table.records[0]?.values).toEqual({ text: 'two\nlines', label: 'a' });
    expect(table.records[2]?.values.text).toBe('say "hi"');
  });

  it('places a column-count error after a multi-line field on its physical line', () => {
    const file = write('bad.csv', 'text,label\n"a\nb\nc",x\nok,y\nbad\n');
    expect(() => readTable(file)).toThrow(/bad\.csv:6: has 1 field, the header has 2/);
  });

  it('reads a TSV with sentence pairs and a BOM', () => {
    const file = write(
      'pairs.tsv',
      '\uFEFFs1\ts2\tlabel\nA man eats.\tSomeone eats.\tyes\nA dog.\tA cat.\tno\n',
    );
    const d = loadDataset({ path: file, text: 's1', textPair: 's2', label: 'label' });
    expect(d.kind).toBe('pair-classification');
    expect(d.rows[0]).toEqual({ text: 'A man eats.', textPair: 'Someone eats.', label: 'yes', line: 2 });
  });
});

describe('JSONL and JSON', () => {
  it('reads JSONL with numbers and booleans as labels, skipping blank lines', () => {
    const file = write(
      'd.jsonl',
      '{"text":"a","label":1}\n\n{"text":"b","label":0}\r\n{"text":"c","label":1,"extra":[1]}\n',
    );
    const d = loadDataset({ path: file });
    expect(d.kind).toBe('classification');
    expect(d.labels).toEqual(['0', '1']);
    expect(d.rows.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it('reads a JSON array and knows the line each item starts on', () => {
    const file = write(
      'd.json',
      JSON.stringify(
        [
          { text: 'x [not a bracket]', label: 'p' },
          { text: 'y, "quoted" {}', label: 'q' },
        ],
        null,
        2,
      ),
    );
    const d = loadDataset({ path: file });
    expect(d.rows.map((r) => [r.text, r.line])).toEqual([
      ['x [not a bracket]', 2],
      ['y, "quoted" {}', 6],
    ]);
  });

  it('reports JSON syntax errors in an item on that item line', () => {
    const file = write('bad.json', '[\n {"text": "a", "label": "x"},\n {"text": "b" "label": "y"}\n]');
    const err = (() => {
      try {
        readTable(file);
      } catch (e) {
        return e as DatasetError;
      }
    })();
    expect(err).toBeInstanceOf(DatasetError);
    expect(err?.line).toBe(3);
  });
});

describe('column mapping', () => {
  it('guesses text, label and pair columns by name', () => {
    expect(guessColumns(['id', 'sentence1', 'sentence2', 'label'])).toEqual({
      text: 'sentence1',
      label: 'label',
      textPair: 'sentence2',
    });
    expect(guessColumns(['review', 'stars'])).toEqual({ text: 'review', label: 'stars' });
    expect(guessColumns(['only'])).toEqual({ text: 'only' });
  });

  it('maps explicit columns and ignores the rest', () => {
    const file = write('m.csv', 'id,body,topic\n1,hello,a\n2,bye,b\n');
    const d = loadDataset({ path: file, text: 'body', label: 'topic' });
    expect(d.columns).toEqual({ text: 'body', label: 'topic' });
    expect(d.rows[1]).toEqual({ text: 'bye', label: 'b', line: 3 });
  });

  it('refuses the same column as text and label', () => {
    const file = write('same.csv', 'a,b\nx,y\n');
    expect(() => loadDataset({ path: file, text: 'a', label: 'a' })).toThrow(/cannot be both/);
  });
});

describe('labels and kinds', () => {
  it('orders labels stably: integers numerically, else by code units', () => {
    expect(discoverLabels(['10', '2', '1', '2'])).toEqual(['1', '2', '10']);
    expect(discoverLabels(['b', 'B', 'a', 'é'])).toEqual(['B', 'a', 'b', 'é']);
    expect(labelMaps(['neg', 'pos'])).toEqual({
      labelToId: { neg: 0, pos: 1 },
      idToLabel: { 0: 'neg', 1: 'pos' },
    });
  });

  it('detects regression for fractional or many numeric labels, classification otherwise', () => {
    const l = (...xs: string[]) => xs.map((label) => ({ label }));
    expect(detectKind(l('0.5', '1', '3.25'), false)).toBe('regression');
    expect(detectKind(l(...Array.from({ length: 25 }, (_, i) => String(i))), false)).toBe('regression');
    expect(detectKind(l('1', '2', '3', '4', '5'), false)).toBe('classification');
    expect(detectKind(l('pos', '1.5'), true)).toBe('pair-classification');
  });

  it('loads a regression table with numeric values and a value range', () => {
    const file = write('r.csv', 'text,score\na,0.5\nb,4.25\nc,2\nd,1\n');
    const d = loadDataset({ path: file, label: 'score' }, { validationFraction: 0.25 });
    expect(d.kind).toBe('regression');
    expect(d.labels).toEqual([]);
    expect(d.rows.map((r) => r.value)).toEqual([0.5, 4.25, 2, 1]);
    expect(d.stats.valueRange).toEqual({ min: 0.5, max: 4.25 });
    expect(d.split.stratified).toBe(false);
    expect(d.validation).toHaveLength(1);
  });

  it('lets the caller force integer ratings to regression', () => {
    const file = write('stars.csv', 'text,label\na,1\nb,5\nc,3\n');
    expect(loadDataset({ path: file }).kind).toBe('classification');
    expect(loadDataset({ path: file }, { kind: 'regression' }).kind).toBe('regression');
  });
});

describe('preview', () => {
  it('shows the first rows, the columns and a suggested mapping without reading the whole file', () => {
    const lines = ['text,label', 'one,a', 'two,b', 'three,a', '"broken, later'];
    const file = write('p.csv', lines.join('\n'));
    const p = previewDataset(file, 2);
    expect(p).toMatchObject({
      format: 'csv',
      columns: ['text', 'label'],
      rows: [
        { text: 'one', label: 'a' },
        { text: 'two', label: 'b' },
      ],
      lines: [2, 3],
      suggested: { text: 'text', label: 'label' },
      kind: 'classification',
      labels: ['a', 'b'],
    });
    expect(() => loadDataset({ path: file })).toThrow(/p\.csv:5: a quoted field is never closed/);
  });

  it('previews JSONL, .txt and reports problems in the previewed part', () => {
    const j = write('p.jsonl', '{"q":"hi","y":{"k":1}}\n');
    expect(previewDataset(j).rows).toEqual([{ q: 'hi', y: '{"k":1}' }]);
    const t = write('p.txt', '\nfirst\n\nsecond\n');
    expect(previewDataset(t)).toMatchObject({
      format: 'txt',
      kind: 'lm',
      rows: [{ text: 'first' }, { text: 'second' }],
      lines: [2, 4],
    });
    expect(() => previewDataset(write('e.csv', ''))).toThrow(/the file is empty/);
  });
});
