import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.ts';

// Issue #13: the renderer fetches once and then only on events main pushes; a timer that polls calls is refused.
const eslint = new ESLint({ cwd: REPO_ROOT });
const pollingMessages = (results: ESLint.LintResult[]) =>
  results.flatMap((r) =>
    r.messages
      .filter((m) => m.ruleId === 'no-restricted-syntax')
      .map((m) => `${path.relative(REPO_ROOT, r.filePath)}:${m.line} ${m.message}`),
  );

describe('no polling in the renderer', () => {
  it('refuses setInterval polling of a call, however it is spelled, in .ts and .svelte files', async () => {
    const ts = [
      "import { call } from './api.ts';",
      "setInterval(() => void call('runs:list', { project: 'p' }), 1000);",
      "window.setInterval(() => void call('runs:list', { project: 'p' }), 1000);",
      "globalThis.setInterval(() => void call('runs:list', { project: 'p' }), 1000);",
      '',
    ].join('\n');
    const [fromTs] = await eslint.lintText(ts, {
      filePath: path.join(REPO_ROOT, 'src-renderer/lib/poll.ts'),
    });
    expect(
      pollingMessages(fromTs ? [fromTs] : []).map((m) => Number.parseInt(m.split(':')[1] ?? '', 10)),
    ).toEqual([2, 3, 4]);

    const svelte = [
      '<script lang="ts">',
      "  import { call } from '../lib/api.ts';",
      "  $effect(() => { const t = setInterval(() => void call('runs:list', { project: 'p' }), 2000); return () => clearInterval(t); });",
      '</script>',
      '',
    ].join('\n');
    const [fromSvelte] = await eslint.lintText(svelte, {
      filePath: path.join(REPO_ROOT, 'src-renderer/components/Poll.svelte'),
    });
    expect(pollingMessages(fromSvelte ? [fromSvelte] : [])).toEqual([
      expect.stringContaining('does not poll'),
    ]);
  });

  it('allows a one-shot setTimeout (a debounce)', async () => {
    const [debounce] = await eslint.lintText(
      "import { call } from './api.ts';\nsetTimeout(() => void call('runs:list', { project: 'p' }), 400);\n",
      { filePath: path.join(REPO_ROOT, 'src-renderer/lib/debounce.ts') },
    );
    expect(pollingMessages(debounce ? [debounce] : [])).toEqual([]);
  });

  it('keeps the real renderer free of polling', async () => {
    const results = await eslint.lintFiles(['src-renderer/**/*.ts', 'src-renderer/**/*.svelte']);
    expect(pollingMessages(results)).toEqual([]);
  });
});
