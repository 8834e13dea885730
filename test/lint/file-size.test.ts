import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.ts';
import { tempDir } from '../helpers/temp.ts';

// STYLE.md §11: a source file past ~400 lines is a design smell to fix (split it by responsibility), not to
// tolerate. This keeps every source file of the project under the line.
const MAX_LINES = 400;
// tools/ holds the model-making Python scripts; the fixture generators are Python too (issue #13 counts them).
const ROOTS = ['src-main', 'src-renderer', 'src-shared', 'scripts', 'test', 'tools'];
const SOURCE = /\.(ts|svelte|mjs|py)$/;
/** Build output and generated files: not written by hand. */
const SKIP = new Set(['node_modules', 'dist', 'screenshots']);

/** Source files under `root` with more than MAX_LINES lines (counted as `wc -l` does), relative to `base`. */
function oversized(base: string, root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && SOURCE.test(entry.name)) {
        const lines = fs.readFileSync(full, 'utf8').split('\n').length - 1;
        if (lines > MAX_LINES) found.push(`${path.relative(base, full)}: ${lines} lines`);
      }
    }
  };
  const start = path.join(base, root);
  if (fs.existsSync(start)) walk(start);
  return found;
}

describe(`no source file over ${MAX_LINES} lines`, () => {
  it('finds a file one line over, in any of the languages, and ignores others', () => {
    const tmp = tempDir('studio-file-size-');
    try {
      const write = (rel: string, lines: number) => {
        fs.mkdirSync(path.dirname(path.join(tmp.dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(tmp.dir, rel), 'x\n'.repeat(lines));
      };
      write('src-main/deep/long.ts', MAX_LINES + 1);
      write('src-main/ok.ts', MAX_LINES);
      write('src-main/Long.svelte', MAX_LINES + 1);
      write('src-main/long.mjs', MAX_LINES + 1);
      write('src-main/long.py', MAX_LINES + 1);
      write('src-main/long.json', MAX_LINES + 1);
      write('src-main/node_modules/long.ts', MAX_LINES + 1);
      expect(oversized(tmp.dir, 'src-main').sort()).toEqual([
        `src-main/Long.svelte: ${MAX_LINES + 1} lines`,
        `src-main/deep/long.ts: ${MAX_LINES + 1} lines`,
        `src-main/long.mjs: ${MAX_LINES + 1} lines`,
        `src-main/long.py: ${MAX_LINES + 1} lines`,
      ]);
    } finally {
      tmp.cleanup();
    }
  });

  it.each(ROOTS)('%s/', (root) => {
    expect(oversized(REPO_ROOT, root)).toEqual([]);
  });
});
