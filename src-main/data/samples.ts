/**
 * Built-in sample datasets: SpamAssassin (spam vs ham), English first names by gender, Moby-Dick's sentences as
 * question or statement, Moby-Dick for language modelling, a list of first names for language modelling (the
 * causal-LM task for the bundled decoder, which was pretrained on Moby-Dick), and first names each with the start of
 * an e-mail, labelled by gender and spam (K-Adapter's target that needs both knowledge adapters) or by one of them
 * (its two source tasks in its form). They ship as small gzipped files in resources/samples/, written once from the
 * @stdlib npm packages by scripts/make-samples.ts (which also records their row counts and hashes in
 * resources/samples/samples.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { APP_ROOT } from '../app/package-info.ts';
import { DatasetError } from './errors.ts';
import type { DatasetKind, TextRow } from './types.ts';

/** Where the sample files are: inside the repository, or inside the packaged app's resources. */
export const SAMPLES_DIR = path.join(APP_ROOT, 'resources/samples');

/** Names of the built-in samples, as written in `{"sample": ...}`. */
export const SAMPLE_NAMES = [
  'spam-assassin',
  'first-names',
  'moby-questions',
  'moby-dick',
  'moving-shapes',
  'name-list',
  'named-mail',
  'named-mail-gender',
  'named-mail-spam',
] as const;

/** The video sample's shape (scripts/make-samples.ts writes it; a folder of GIFs per class). */
export const MOVING_SHAPES = { file: 'moving-shapes', clips: 200, size: 32, frames: 8 } as const;

/** A built-in sample's name. */
export type SampleName = (typeof SAMPLE_NAMES)[number];

/** What the UI shows about a sample before loading it. */
export interface SampleInfo {
  name: SampleName;
  title: string;
  /** One line for the sample picker. */
  description: string;
  kind: DatasetKind;
  /** Class names (empty for lm). */
  labels: string[];
  /** The file in resources/samples/ that holds it. */
  file: string;
}

/** The built-in samples, in the order the UI lists them. */
export const SAMPLES: readonly SampleInfo[] = [
  {
    name: 'spam-assassin',
    title: 'SpamAssassin',
    description: 'E-mails (subject and body) labelled spam or ham: text classification',
    kind: 'classification',
    labels: ['ham', 'spam'],
    file: 'spam-assassin.jsonl.gz',
  },
  {
    name: 'first-names',
    title: 'English first names',
    description:
      'First names labelled female or male (names on both lists left out): short-text classification',
    kind: 'classification',
    labels: ['female', 'male'],
    file: 'first-names.jsonl.gz',
  },
  {
    name: 'moby-questions',
    title: 'Moby-Dick: question or statement',
    description:
      "Moby-Dick's sentences labelled question or statement (final mark removed): a third task for composition",
    kind: 'classification',
    labels: ['question', 'statement'],
    file: 'moby-questions.jsonl.gz',
  },
  {
    name: 'moby-dick',
    title: 'Moby-Dick',
    description: "Herman Melville's novel, chapter by chapter: language modelling",
    kind: 'lm',
    labels: [],
    file: 'moby-dick.txt.gz',
  },
  {
    name: 'moving-shapes',
    title: 'Moving shapes (video)',
    description:
      'Clips of 8 frames (32x32 GIFs): a square moves left to right or right to left; only the frame order tells',
    kind: 'image',
    labels: ['left-to-right', 'right-to-left'],
    file: MOVING_SHAPES.file,
  },
  {
    name: 'name-list',
    title: 'A list of first names',
    description:
      'English first names, one a line: language modelling, to teach the bundled decoder (Moby-Dick) a new form',
    kind: 'lm',
    labels: [],
    file: 'name-list.txt.gz',
  },
  {
    name: 'named-mail',
    title: 'Named e-mails: gender and spam',
    description:
      "A first name and an e-mail's start, labelled gender x spam: a task that needs names and spam knowledge",
    kind: 'classification',
    labels: ['female-ham', 'female-spam', 'male-ham', 'male-spam'],
    file: 'named-mail.jsonl.gz',
  },
  {
    name: 'named-mail-gender',
    title: 'Named e-mails: gender only',
    description:
      "Every first name before a random e-mail's start, labelled female or male: names knowledge in that form",
    kind: 'classification',
    labels: ['female', 'male'],
    file: 'named-mail-gender.jsonl.gz',
  },
  {
    name: 'named-mail-spam',
    title: 'Named e-mails: spam only',
    description:
      "Every e-mail's start after a random first name, labelled spam or ham: spam knowledge in that form",
    kind: 'classification',
    labels: ['ham', 'spam'],
    file: 'named-mail-spam.jsonl.gz',
  },
];

/** A loaded sample: rows for classification, the raw text for language modelling. */
export interface LoadedSample {
  info: SampleInfo;
  rows: TextRow[];
  text?: string;
  /** Image and video samples: the class folders' root. */
  folder?: string;
}

const readSample = (file: string): string =>
  gunzipSync(fs.readFileSync(path.join(SAMPLES_DIR, file))).toString('utf8');

/** One JSON array `[text, label]` per line; line numbers count from 1, as in the file. */
function rowsOf(file: string): TextRow[] {
  const rows: TextRow[] = [];
  for (const line of readSample(file).split('\n')) {
    if (!line) continue;
    const [text, label] = JSON.parse(line) as [string, string];
    rows.push({ text, label, line: rows.length + 1 });
  }
  return rows;
}

const isSample = (name: string): name is SampleName => (SAMPLE_NAMES as readonly string[]).includes(name);

/** Loads a built-in sample; an unknown name is a DatasetError listing the choices. */
export function loadSample(name: string): LoadedSample {
  if (!isSample(name)) {
    throw new DatasetError(`sample:${name}`, `unknown sample; choose one of ${SAMPLE_NAMES.join(', ')}`);
  }
  const info = SAMPLES.find((s) => s.name === name) as SampleInfo;
  try {
    if (info.kind === 'lm') return { info, rows: [], text: readSample(info.file) };
    // An image sample is a class-folder dataset the loader reads as it reads a user's folder.
    if (info.kind === 'image') return { info, rows: [], folder: path.join(SAMPLES_DIR, info.file) };
    return { info, rows: rowsOf(info.file) };
  } catch (err) {
    // The files ship with the app: one missing or damaged means a broken install, so say which file.
    throw new DatasetError(
      `sample:${name}`,
      `cannot read resources/samples/${info.file} (${(err as Error).message}); reinstall the studio`,
    );
  }
}

/** A sample's description with its size, for the UI's picker. */
export interface SampleSummary extends SampleInfo {
  /** Examples (lm: non-empty lines). */
  rows: number;
  /** Language modelling: characters of text. */
  characters?: number;
}

/** What resources/samples/samples.json records about a sample file (scripts/make-samples.ts writes it). */
interface ManifestEntry {
  file: string;
  rows: number;
  characters?: number;
}

let summaries: SampleSummary[] | undefined;

/** The samples with their sizes, from the manifest beside the files (no sample is read); cached for the process. */
export function listSamples(): SampleSummary[] {
  summaries ??= (() => {
    const manifest = JSON.parse(fs.readFileSync(path.join(SAMPLES_DIR, 'samples.json'), 'utf8')) as Record<
      string,
      ManifestEntry | undefined
    >;
    return SAMPLES.map((info): SampleSummary => {
      const entry = manifest[info.name];
      if (entry?.file !== info.file)
        throw new Error(`resources/samples/samples.json does not list ${info.file}`);
      return {
        ...info,
        rows: entry.rows,
        ...(entry.characters !== undefined ? { characters: entry.characters } : {}),
      };
    });
  })();
  return summaries.map((s) => ({ ...s, labels: [...s.labels] }));
}
