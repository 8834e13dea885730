/**
 * Issue #21 (Docs): the README stands alone in a clone. Every command `studio --help` lists has a row in the
 * README's command table and in docs/CLI.md's, and a section of docs/CLI.md; every subcommand and every long
 * option is named in docs/CLI.md. A command added without its documentation fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src-main/cli/main.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI_MD = fs.readFileSync(path.join(ROOT, 'docs/CLI.md'), 'utf8');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The first cell of every row of the markdown tables in `md`. */
function firstCells(md: string): string[] {
  return md
    .split('\n')
    .filter((l) => /^\|\s*`/.test(l))
    .map((l) => l.split(/(?<!\\)\|/)[1]?.trim() ?? '');
}

/** Whether a table's first cells have a row for `name` (`` `name ...` `` or `` `name` ``). */
const hasRow = (cells: string[], name: string): boolean =>
  cells.some((c) => c.split(/,\s*/).some((part) => new RegExp(`^\`${name}(\\s|\`)`).test(part)));

const program = buildProgram();
const commands = program.commands.filter((c) => c.name() !== 'help');
const headings = CLI_MD.split('\n').filter((l) => /^#{3,4} /.test(l));

describe('the CLI reference names every command', () => {
  it('knows the commands (the list is not empty)', () => {
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['train', 'evaluate', 'compose', 'sweep', 'shootout', 'import-run', 'fork']),
    );
  });

  it.each(commands.map((c) => [c.name(), c] as const))('%s', (name, cmd: Command) => {
    expect(hasRow(firstCells(CLI_MD), name), `docs/CLI.md's command table has no row for ${name}`).toBe(true);
    expect(hasRow(firstCells(README), name), `README's command table has no row for ${name}`).toBe(true);
    expect(
      headings.some((h) => h.includes(`\`${name}\``) || h.includes(`\`${name} `)),
      `docs/CLI.md has no section for ${name}`,
    ).toBe(true);
    for (const sub of cmd.commands) {
      const row = firstCells(CLI_MD).find((c) => c.startsWith(`\`${name} `) && c.includes(sub.name()));
      expect(row, `docs/CLI.md's table does not name ${name} ${sub.name()}`).toBeDefined();
    }
    for (const c of [cmd, ...cmd.commands])
      for (const o of c.options)
        if (o.long && o.long !== '--help')
          expect(
            CLI_MD,
            `docs/CLI.md does not mention ${name} ${c === cmd ? '' : `${c.name()} `}${o.long}`,
          ).toContain(o.long);
  });
});

describe('train --help', () => {
  it("lists the train config's fields", () => {
    const train = commands.find((c) => c.name() === 'train');
    let help = '';
    train?.configureOutput({ writeOut: (s) => (help += s) });
    train?.outputHelp();
    for (const field of [
      'dataset',
      'validationFraction',
      'seed',
      'earlyStopping',
      'gradAccumulation',
      'gradClip',
    ])
      expect(help).toContain(field);
    expect(help).toContain('method.targets');
  });
});
