/**
 * The malformed-file corpus: every bad input fails with a DatasetError of its own that names the file and
 * line, and never with a crash. The cases are the table in the corpus README, so the two cannot drift apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, loadDataset } from '../../../src-main/data/index.ts';
import type { LoadOptions } from '../../../src-main/data/index.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';

const dir = path.join(OWN_FIXTURES_DIR, 'datasets/malformed');

interface Case {
  input: string;
  spec: Record<string, string>;
  opts: LoadOptions;
  errorFile: string;
  line: number | undefined;
  message: string;
}

/** Parses the README's table: input | spec / options | error file | line | message. */
function readCases(): Case[] {
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const rows = readme
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| input') && !l.startsWith('| ---'));
  return rows.map((row) => {
    const [input, extra, errorFile, line, message] = row
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim()) as [string, string, string, string, string];
    const spec: Record<string, string> = {};
    const opts: LoadOptions = {};
    for (const kv of extra.split(',').filter(Boolean)) {
      const [k, v] = kv.split(':').map((s) => s.trim()) as [string, string];
      if (k === 'kind') opts.kind = v as 'regression';
      else spec[k] = k === 'validation' ? path.join(dir, v) : v;
    }
    return {
      input: input.split(' ')[0] as string,
      spec,
      opts,
      errorFile,
      line: line ? Number(line) : undefined,
      message,
    };
  });
}

const CASES = readCases();

function failure(c: Case): unknown {
  try {
    loadDataset({ path: path.join(dir, c.input), ...c.spec }, c.opts);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('malformed datasets each fail with their own clear message', () => {
  it('the README lists every file of the corpus', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    const listed = new Set(CASES.flatMap((c) => [c.input.replace(/\/$/, ''), c.errorFile.split('/')[0]]));
    const present = fs.readdirSync(dir).filter((f) => f !== 'README.md');
    expect(present.filter((f) => !listed.has(f))).toEqual([]);
  });

  it.each(CASES.map((c) => [c.input, c] as const))('%s', (_name, c) => {
    const err = failure(c);
    expect(err).toBeInstanceOf(DatasetError);
    const e = err as DatasetError;
    expect(path.relative(dir, e.file).split(path.sep).join('/')).toBe(c.errorFile);
    expect(e.line).toBe(c.line);
    expect(e.problem).toContain(c.message);
    // The CLI prints exactly this: file, line, problem on one line.
    const where = `${e.file}${c.line !== undefined ? `:${c.line}` : ''}: `;
    expect(e.message.startsWith(where)).toBe(true);
    expect(e.message).not.toContain('\n');
  });

  it('the messages are all different', () => {
    const full = CASES.map((c) => (failure(c) as Error).message);
    expect(new Set(full).size).toBe(CASES.length);
    expect(new Set(CASES.map((c) => c.message)).size).toBe(CASES.length - 1); // the two column-count cases differ by file and line
  });
});
