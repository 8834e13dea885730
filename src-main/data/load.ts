/**
 * One entry point for the `dataset` block of a train config: a table file (CSV, TSV, JSONL, JSON), a `.txt`
 * corpus, an image folder, or a built-in sample. Everything is read and validated before anything is returned,
 * so a caller that writes only after `loadDataset` succeeds never half-imports bad input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { datasetSpecSchema } from '../../src-shared/train-config.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { mapRows, readTable, resolveColumns, tableFormatOf, unsupportedType } from './columns.ts';
import { readBytes } from './decode.ts';
import { DatasetError } from './errors.ts';
import { combineHashes, hashFiles, sha256 } from './hash.ts';
import { readImageTable } from './image-table.ts';
import { decodeImageBytes, listImageFolder } from './images.ts';
import { decodeClip, readClipBytes } from './video.ts';
import { detectKind, discoverLabels, labelMaps } from './labels.ts';
import { loadSample } from './samples.ts';
import { splitItems } from './split.ts';
import { corpusStats, datasetStats, imageStats } from './stats.ts';
import { rareLabelWarnings, statWarnings } from './warnings.ts';
import { readTextCorpus, splitText } from './text.ts';
import type {
  ColumnMap,
  ImageDataset,
  ImageItem,
  LmDataset,
  LoadedDataset,
  SplitInfo,
  TextDataset,
  TextRow,
  Tokenize,
} from './types.ts';

/** Options of `loadDataset` that come from the run config or the UI (validated with zod). */
export const loadOptionsSchema = z
  .object({
    /** Seed of the validation/test split (the run's `train.seed`). */
    seed: z.number().int().min(0).default(0),
    /** Fraction carved out for validation when no `dataset.validation` file is given. */
    validationFraction: z.number().min(0).lt(1).default(0.2),
    /** Fraction carved out for a test part; 0 means none. */
    testFraction: z.number().min(0).lt(1).default(0),
    /** Overrides kind detection for tables (e.g. integer ratings 1..5 as regression targets). */
    kind: z.enum(['classification', 'regression']).optional(),
    /** Folder that relative `path` / `validation` are resolved against (the config file's); default: cwd. */
    baseDir: z.string().min(1).optional(),
    /** Decode every image of a folder at load so a corrupt one fails now, not mid-training. */
    checkImages: z.boolean().default(true),
  })
  .strict()
  .refine((o) => o.validationFraction + o.testFraction < 1, {
    message: 'validationFraction + testFraction must be below 1',
  });

/** Options of `loadDataset`. */
export type LoadOptions = z.input<typeof loadOptionsSchema> & {
  /** The model's tokenizer, for token-length stats (whitespace tokens without it). */
  tokenize?: Tokenize;
};

type Opts = z.output<typeof loadOptionsSchema> & { tokenize?: Tokenize };

const issues = (e: z.ZodError): string =>
  e.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');

/**
 * Loads, validates, describes and splits a dataset.
 *
 * @throws DatasetError naming the file and line (or the image, or `dataset` for a bad spec) on any bad input
 */
export function loadDataset(spec: DatasetSpec, options: LoadOptions = {}): LoadedDataset {
  const parsedSpec = datasetSpecSchema.safeParse(spec);
  if (!parsedSpec.success)
    throw new DatasetError('dataset', `invalid dataset config (${issues(parsedSpec.error)})`);
  const { tokenize, ...rest } = options;
  // The spec's own validation fraction is the default; an explicit option overrides it.
  const parsedOpts = loadOptionsSchema.safeParse({
    validationFraction: parsedSpec.data.validationFraction,
    ...rest,
  });
  if (!parsedOpts.success) throw new DatasetError('dataset', `invalid options (${issues(parsedOpts.error)})`);
  const opts: Opts = { ...parsedOpts.data, ...(tokenize ? { tokenize } : {}) };
  const s = parsedSpec.data;
  if ('sample' in s) return loadSampleDataset(s.sample, opts);
  const resolve = (p: string) => path.resolve(opts.baseDir ?? process.cwd(), p);
  const file = resolve(s.path);
  const validation = s.validation !== undefined ? resolve(s.validation) : undefined;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new DatasetError(file, 'no such file or folder');
  }
  if (stat.isDirectory()) return loadImageFolder(file, validation, opts);
  if (path.extname(file).toLowerCase() === '.txt') return loadCorpus(file, validation, opts);
  if (!tableFormatOf(file)) throw unsupportedType(file);
  if (s.image !== undefined) return loadImages(file, readerOfTable(s.image, s.label), validation, opts);
  return loadTable(file, s, validation, opts);
}

function splitInfo(o: Opts, stratified: boolean, fromFile: boolean, counts: SplitInfo['counts']): SplitInfo {
  return {
    seed: o.seed,
    validation: fromFile ? 'file' : o.validationFraction,
    test: o.testFraction,
    stratified,
    counts,
  };
}

/** Reads and maps one table file; `kind` forces regression or classification. */
function readRows(file: string, spec: Partial<ColumnMap>, regression: boolean | undefined) {
  const { table, bytes } = readTable(file);
  const columns = resolveColumns(file, table, spec);
  const loose = mapRows(file, table, columns);
  const isRegression = regression ?? detectKind(loose, columns.textPair !== undefined) === 'regression';
  // Mapped again only to attach numeric values (and reject non-numbers) once regression is known.
  const rows = isRegression ? mapRows(file, table, columns, { regression: true }) : loose;
  return { rows, columns, hash: sha256(bytes), isRegression };
}

function loadTable(
  file: string,
  spec: Partial<ColumnMap>,
  validationFile: string | undefined,
  o: Opts,
): TextDataset {
  const forced = o.kind === undefined ? undefined : o.kind === 'regression';
  const main = readRows(file, spec, forced);
  const kind = main.isRegression
    ? 'regression'
    : main.columns.textPair !== undefined
      ? 'pair-classification'
      : 'classification';
  const labels = main.isRegression ? [] : discoverLabels(main.rows.map((r) => r.label));
  if (!main.isRegression && labels.length < 2) {
    throw new DatasetError(
      file,
      // The value is not quoted: a file picked by mistake (a credentials file) would have its content echoed.
      `column "${main.columns.label}" has a single label value; classification needs two or more`,
    );
  }
  let validationRows: TextRow[] | undefined;
  let contentHash = main.hash;
  if (validationFile) {
    if (!tableFormatOf(validationFile)) throw unsupportedType(validationFile);
    const v = readRows(validationFile, main.columns, main.isRegression);
    if (!main.isRegression) {
      const known = new Set(labels);
      const unknown = v.rows.find((r) => !known.has(r.label));
      if (unknown) {
        throw new DatasetError(validationFile, 'its label does not occur in the training file', unknown.line);
      }
    }
    validationRows = v.rows;
    contentHash = combineHashes(main.hash, v.hash);
  }
  const stratify = !main.isRegression;
  const parts = splitItems(main.rows, (r) => r.label, {
    seed: o.seed,
    validationFraction: validationRows ? 0 : o.validationFraction,
    testFraction: o.testFraction,
    stratify,
  });
  const validation = validationRows ?? parts.validation;
  const stats = datasetStats(main.rows, o.tokenize, main.isRegression);
  const warnings = [
    ...statWarnings(stats, 'texts'),
    ...(validationRows ? [] : rareLabelWarnings(stats.labelCounts, o.validationFraction)),
  ];
  return {
    kind,
    source: file,
    name: path.basename(file),
    contentHash,
    columns: main.columns,
    labels,
    labelToId: labelMaps(labels).labelToId,
    stats,
    split: splitInfo(o, stratify, validationRows !== undefined, {
      train: parts.train.length,
      validation: validation.length,
      test: parts.test.length,
    }),
    warnings,
    rows: main.rows,
    train: parts.train,
    validation,
    ...(o.testFraction > 0 ? { test: parts.test } : {}),
    ...(validationRows ? { validationRows } : {}),
  };
}

function loadCorpus(file: string, validationFile: string | undefined, o: Opts): LmDataset {
  const main = readTextCorpus(file);
  let parts: { train: string; validation: string; test: string };
  let contentHash = sha256(main.bytes);
  if (validationFile) {
    if (path.extname(validationFile).toLowerCase() !== '.txt') {
      throw new DatasetError(validationFile, 'the validation file of a .txt corpus must be a .txt file');
    }
    const v = readTextCorpus(validationFile);
    const t = splitText(main.text, 0, o.testFraction);
    parts = { train: t.train, validation: v.text, test: t.test };
    contentHash = combineHashes(contentHash, sha256(v.bytes));
  } else {
    parts = splitText(main.text, o.validationFraction, o.testFraction);
  }
  const stats = corpusStats(main.text, o.tokenize);
  return {
    kind: 'lm',
    source: file,
    name: path.basename(file),
    contentHash,
    columns: {},
    labels: [],
    labelToId: {},
    stats,
    split: splitInfo(o, false, validationFile !== undefined, {
      train: parts.train.length,
      validation: parts.validation.length,
      test: parts.test.length,
    }),
    warnings: parts.validation.trim()
      ? []
      : ['the validation part is empty (the text is too short to split)'],
    rows: [],
    text: main.text,
    train: parts.train,
    validation: parts.validation,
    ...(o.testFraction > 0 ? { test: parts.test } : {}),
  };
}

/** Lists, reads (for the hash) and optionally decodes every image of a class folder. */
function readImageFolder(dir: string, o: Opts) {
  const { items, labels, ignored, video } = listImageFolder(dir);
  const files = items.map((it) => {
    if (video) {
      if (o.checkImages) decodeClip(it.file);
      return { file: it.file, bytes: readClipBytes(it.file) };
    }
    const bytes = readBytes(it.file);
    if (o.checkImages) decodeImageBytes(it.file, bytes);
    return { file: it.file, bytes };
  });
  return { items, labels, ignored, files, hash: hashFiles(dir, files) };
}

type ImageReader = (source: string, o: Opts) => ReturnType<typeof readImageFolder>;

/** Images listed in a table's `image` column, labelled by its `label` column (readImageTable). */
const readerOfTable =
  (image: string, label: string | undefined): ImageReader =>
  (file, o) =>
    readImageTable(file, { image, ...(label !== undefined ? { label } : {}) }, o.checkImages);

function loadImageFolder(dir: string, validationDir: string | undefined, o: Opts): ImageDataset {
  if (validationDir && !fs.statSync(validationDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DatasetError(
      validationDir,
      'the validation set of an image folder must be a folder of class sub-folders',
    );
  }
  return loadImages(dir, readImageFolder, validationDir, o);
}

/** An image dataset from a class folder or an image table (and its validation set of the same kind). */
function loadImages(
  source: string,
  read: ImageReader,
  validationSource: string | undefined,
  o: Opts,
): ImageDataset {
  const main = read(source, o);
  const root = fs.statSync(source).isDirectory() ? source : path.dirname(source);
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  let validationItems: ImageItem[] | undefined;
  let contentHash = main.hash;
  const warnings = main.ignored.length
    ? [`ignored ${main.ignored.length} file(s) that are not .png/.jpg images (e.g. ${main.ignored[0]})`]
    : [];
  if (validationSource) {
    const v = read(validationSource, o);
    const unknown = v.labels.find((l) => !main.labels.includes(l));
    if (unknown !== undefined) {
      throw new DatasetError(validationSource, `class "${unknown}" does not occur in the training set`);
    }
    validationItems = v.items;
    contentHash = combineHashes(main.hash, v.hash);
  }
  const parts = splitItems(main.items, (it) => it.label, {
    seed: o.seed,
    validationFraction: validationItems ? 0 : o.validationFraction,
    testFraction: o.testFraction,
    stratify: true,
  });
  const validation = validationItems ?? parts.validation;
  const stats = imageStats(
    main.items,
    main.files.map((f) => sha256(f.bytes)),
    rel,
  );
  warnings.push(
    ...statWarnings(stats, 'images'),
    ...(validationItems ? [] : rareLabelWarnings(stats.labelCounts, o.validationFraction)),
  );
  return {
    kind: 'image',
    source,
    name: path.basename(source),
    contentHash,
    columns: {},
    labels: main.labels,
    labelToId: labelMaps(main.labels).labelToId,
    stats,
    split: splitInfo(o, true, validationItems !== undefined, {
      train: parts.train.length,
      validation: validation.length,
      test: parts.test.length,
    }),
    warnings,
    rows: [],
    images: main.items,
    train: parts.train,
    validation,
    ...(o.testFraction > 0 ? { test: parts.test } : {}),
  };
}

function loadSampleDataset(name: string, o: Opts): LoadedDataset {
  const s = loadSample(name);
  const source = `sample:${s.info.name}`;
  if (s.folder !== undefined)
    return { ...loadImageFolder(s.folder, undefined, o), source, name: s.info.title };
  if (s.text !== undefined) {
    const parts = splitText(s.text, o.validationFraction, o.testFraction);
    return {
      kind: 'lm',
      source,
      name: s.info.title,
      contentHash: sha256(s.text),
      columns: {},
      labels: [],
      labelToId: {},
      stats: corpusStats(s.text, o.tokenize),
      split: splitInfo(o, false, false, {
        train: parts.train.length,
        validation: parts.validation.length,
        test: parts.test.length,
      }),
      warnings: [],
      rows: [],
      text: s.text,
      train: parts.train,
      validation: parts.validation,
      ...(o.testFraction > 0 ? { test: parts.test } : {}),
    };
  }
  const labels = discoverLabels(s.rows.map((r) => r.label));
  const parts = splitItems(s.rows, (r) => r.label, {
    seed: o.seed,
    validationFraction: o.validationFraction,
    testFraction: o.testFraction,
    stratify: true,
  });
  const stats = datasetStats(s.rows, o.tokenize);
  return {
    kind: 'classification',
    source,
    name: s.info.title,
    contentHash: sha256(JSON.stringify(s.rows.map((r) => [r.text, r.label]))),
    columns: { text: 'text', label: 'label' },
    labels,
    labelToId: labelMaps(labels).labelToId,
    stats,
    split: splitInfo(o, true, false, {
      train: parts.train.length,
      validation: parts.validation.length,
      test: parts.test.length,
    }),
    warnings: statWarnings(stats, 'texts'),
    rows: s.rows,
    train: parts.train,
    validation: parts.validation,
    ...(o.testFraction > 0 ? { test: parts.test } : {}),
  };
}
