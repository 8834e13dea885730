/**
 * One entry point for the `dataset` block of a train config: a file (CSV, TSV, JSONL, JSON, TXT), an image
 * folder, or a built-in sample. Everything is validated before anything is returned: bad input never half-loads.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { readUtf8 } from './decode.ts';
import { DatasetError } from './errors.ts';
import { listImageFolder } from './images.ts';
import { loadSample } from './samples.ts';
import { guessColumns, readTable, tableRows } from './tabular.ts';
import type { DatasetKind, LoadedDataset, TextRow } from './types.ts';

const sha256 = (b: Buffer | string): string => crypto.createHash('sha256').update(b).digest('hex');

/** Sorted class names: numerically when every label is an integer, else alphabetically. */
function labelOrder(rows: readonly TextRow[]): string[] {
  const set = [...new Set(rows.map((r) => r.label))];
  return set.every((l) => /^-?\d+$/.test(l)) ? set.sort((a, b) => Number(a) - Number(b)) : set.sort();
}

/** Regression when every label is a number and they are not a handful of integer classes. */
function kindOf(rows: readonly TextRow[], pair: boolean): DatasetKind {
  const labels = new Set(rows.map((r) => r.label));
  const numeric = [...labels].every((l) => l !== '' && Number.isFinite(Number(l)));
  const integral = [...labels].every((l) => /^-?\d+$/.test(l));
  if (numeric && (!integral || labels.size > 20)) return 'regression';
  return pair ? 'pair-classification' : 'classification';
}

function loadFile(
  file: string,
  spec: { text?: string; label?: string; textPair?: string },
): { rows: TextRow[]; hash: string; columns: LoadedDataset['columns'] } {
  const { table, bytes } = readTable(file);
  const guessed = guessColumns(table);
  const columns = {
    text: spec.text ?? guessed.text,
    label: spec.label ?? guessed.label,
    ...(spec.textPair ? { textPair: spec.textPair } : {}),
  };
  return { rows: tableRows(file, table, columns), hash: sha256(bytes), columns };
}

export function loadDataset(spec: DatasetSpec): LoadedDataset {
  if ('sample' in spec) {
    const s = loadSample(spec.sample);
    const hash = sha256(s.text ?? JSON.stringify(s.rows.map((r) => [r.text, r.label])));
    return {
      kind: s.info.kind,
      source: `sample:${s.info.name}`,
      name: s.info.title,
      contentHash: hash,
      columns: s.info.kind === 'lm' ? {} : { text: 'text', label: 'label' },
      labels: s.info.kind === 'lm' ? [] : labelOrder(s.rows),
      rows: s.rows,
      ...(s.text !== undefined ? { text: s.text } : {}),
    };
  }
  const file = path.resolve(spec.path);
  if (!fs.existsSync(file)) throw new DatasetError(file, 'no such file or folder');
  if (fs.statSync(file).isDirectory()) {
    const { items, labels } = listImageFolder(file);
    const hash = crypto.createHash('sha256');
    for (const it of items) hash.update(path.relative(file, it.file)).update(fs.readFileSync(it.file));
    return {
      kind: 'image',
      source: file,
      name: path.basename(file),
      contentHash: hash.digest('hex'),
      columns: {},
      labels,
      rows: [],
      images: items,
    };
  }
  if (path.extname(file).toLowerCase() === '.txt') {
    const { text, bytes } = readUtf8(file);
    if (!text.trim()) throw new DatasetError(file, 'has no text');
    return {
      kind: 'lm',
      source: file,
      name: path.basename(file),
      contentHash: sha256(bytes),
      columns: {},
      labels: [],
      rows: [],
      text,
    };
  }
  const main = loadFile(file, spec);
  const kind = kindOf(main.rows, spec.textPair !== undefined);
  let validationRows: TextRow[] | undefined;
  let hash = main.hash;
  if (spec.validation) {
    const v = loadFile(path.resolve(spec.validation), { ...spec, ...main.columns });
    validationRows = v.rows;
    hash = sha256(main.hash + v.hash);
    if (kind !== 'regression') {
      const known = new Set(main.rows.map((r) => r.label));
      const unknown = v.rows.find((r) => !known.has(r.label));
      if (unknown)
        throw new DatasetError(
          path.resolve(spec.validation),
          `label "${unknown.label}" does not occur in the training file`,
          unknown.line,
        );
    }
  }
  const labels = kind === 'regression' ? [] : labelOrder(main.rows);
  if (kind !== 'regression' && labels.length < 2) {
    throw new DatasetError(
      file,
      `column "${main.columns.label}" has a single label ("${labels[0]}"); classification needs two or more`,
    );
  }
  return {
    kind,
    source: file,
    name: path.basename(file),
    contentHash: hash,
    columns: main.columns,
    labels,
    rows: main.rows,
    ...(validationRows ? { validationRows } : {}),
  };
}

/** Chunks a long text into token windows for causal language modelling. */
export function chunkTokens(ids: readonly number[], contextLength: number): number[][] {
  const chunks: number[][] = [];
  for (let i = 0; i + 1 < ids.length; i += contextLength) chunks.push(ids.slice(i, i + contextLength));
  return chunks.filter((c) => c.length >= 2);
}
