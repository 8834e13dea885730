import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage, waitForRunCompleted } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-cli-live-');

/** `studio train` as a user runs it in a terminal beside the open studio: a process of its own. */
function trainFromTerminal(project: string, config: string) {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/studio.mjs'), 'train', '--project', project, '--config', config],
    // Its own user-data folder: the terminal and the studio share nothing but the project folder.
    { cwd: REPO_ROOT, env: { ...process.env, STUDIO_HOME: path.join(session.dir, 'terminal-home') } },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('a run started from the CLI appears live in an open studio (web mode)', () => {
  it('lists the run, advances its step counter and loss curve and shows it completed, with no reload and no polling', async () => {
    const { page, errors } = await openStudioPage(session);
    // Every call the page makes and every event it receives is recorded (the event socket opens on load).
    const calls: { name: string; at: number }[] = [];
    page.on('request', (r) => {
      const m = /\/api\/call\/([\w:-]+)/.exec(r.url());
      if (m?.[1]) calls.push({ name: m[1], at: Date.now() });
    });
    const events: string[] = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        const name = (JSON.parse(String(f.payload)) as { name?: string }).name;
        if (name) events.push(name);
      }),
    );
    const dir = await createProject(page, 'Trained from a terminal');
    await page.reload();
    await page.getByTestId('current-project').waitFor();
    await mainNav(page).getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('no-runs').waitFor();
    // A reload would lose this mark.
    await page.evaluate(() => Object.assign(window, { studioMark: 'still the same page' }));

    const config = path.join(session.dir, 'terminal-run.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        model: 'default',
        name: 'from the terminal',
        dataset: { sample: 'first-names', validationFraction: 0.05 },
        method: { type: 'lora', r: 4 },
        // Short: a dozen small steps, evaluated every four, so it ends in minutes on a busy CPU.
        train: { epochs: 1, batchSize: 8, maxLength: 12, evalEvery: 4, maxSteps: 12 },
      }),
    );
    const started = Date.now();
    const terminal = trainFromTerminal(dir, config);
    const callsSince = (name: string) => calls.filter((c) => c.name === name && c.at >= started).length;
    try {
      // The run appears in the list the page already shows.
      const row = page.getByTestId('run-list').locator('tbody tr');
      await expect.poll(() => row.count(), { timeout: 120_000 }).toBe(1);
      // ...by an event: the page fetched no list since the terminal started.
      expect(callsSince('runs:list')).toBe(0);
      await page.getByRole('link', { name: 'from the terminal' }).click();
      await page.getByTestId('run-status').waitFor();

      // Its step counter and loss curve advance while it trains: every value the page shows is recorded.
      await page.evaluate(() => {
        const seen = { steps: [] as number[], points: [] as number[] };
        const record = () => {
          const s = Number(document.querySelector('[data-testid="run-step"]')?.textContent);
          const p = Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points'));
          // Between renders an element may be missing (NaN): only values shown are kept.
          if (Number.isFinite(s) && seen.steps.at(-1) !== s) seen.steps.push(s);
          if (Number.isFinite(p) && seen.points.at(-1) !== p) seen.points.push(p);
        };
        record();
        const opts = { subtree: true, childList: true, characterData: true, attributes: true };
        new MutationObserver(record).observe(document.body, opts);
        Object.assign(window, { studioSeen: seen });
      });
      const step = async () => Number(await page.getByTestId('run-step').textContent());
      await expect.poll(step, { timeout: 120_000 }).toBeGreaterThan(0);
      if ((await page.getByTestId('run-status').textContent())?.trim() === 'running')
        await screenshot(page, 'cli-live-01-running');

      await waitForRunCompleted(page, 300_000);
      expect(await terminal.exited, terminal.output()).toBe(0);
      await expect.poll(step).toBe(12);
      const seen = await page.evaluate(
        () => (window as { studioSeen?: { steps: number[]; points: number[] } }).studioSeen,
      );
      const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? 0));
      // Shown step by step as it trained (a value between the first and the last), never going back.
      expect(
        seen?.steps.some((s) => s > 0 && s < 12),
        JSON.stringify(seen),
      ).toBe(true);
      expect(increasing(seen?.steps ?? []), JSON.stringify(seen)).toBe(true);
      expect(seen?.steps.at(-1)).toBe(12);
      // The loss curve grew in more than one go.
      expect(seen?.points.filter((p) => p > 0).length, JSON.stringify(seen)).toBeGreaterThan(1);
      expect(increasing(seen?.points ?? []), JSON.stringify(seen)).toBe(true);
      await page
        .getByTestId('run-log')
        .getByText(/completed/i)
        .first()
        .waitFor();
      await screenshot(page, 'cli-live-02-completed');
    } finally {
      terminal.child.kill();
    }

    // The same page throughout, fed by events: metric fetches follow run:metrics events, and nothing is
    // fetched while nothing changes.
    expect(await page.evaluate(() => (window as { studioMark?: string }).studioMark)).toBe(
      'still the same page',
    );
    expect(events).toContain('run:status');
    expect(events).toContain('run:metrics');
    // Opening the run's page loads the list once; nothing reloads it after that.
    expect(callsSince('runs:list')).toBeLessThanOrEqual(1);
    const metricEvents = events.filter((e) => e === 'run:metrics').length;
    expect(callsSince('runs:metrics')).toBeLessThanOrEqual(metricEvents + 1);
    const quietFrom = Date.now();
    await page.waitForTimeout(3000);
    expect(calls.filter((c) => c.at >= quietFrom)).toEqual([]);

    // Deleted from the terminal too: the row leaves the open list by an event, with no list fetched again.
    await mainNav(page).getByRole('link', { name: 'Runs', exact: true }).click();
    const rows = page.getByTestId('run-list').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    const deletedFrom = Date.now();
    const deleter = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/studio.mjs'), 'runs', 'delete', '--project', dir, '--run', '1', '--yes'],
      { cwd: REPO_ROOT, env: { ...process.env, STUDIO_HOME: path.join(session.dir, 'terminal-home') } },
    );
    let deleterOutput = '';
    deleter.stdout.on('data', (d: Buffer) => (deleterOutput += d.toString()));
    deleter.stderr.on('data', (d: Buffer) => (deleterOutput += d.toString()));
    expect(await new Promise((r) => deleter.once('exit', r)), deleterOutput).toBe(0);
    await page.getByTestId('no-runs').waitFor({ timeout: 30_000 });
    expect(await rows.count()).toBe(0);
    expect(calls.filter((c) => c.name === 'runs:list' && c.at >= deletedFrom)).toEqual([]);
    expect(events).toContain('run:deleted');
    expect(errors).toEqual([]);
  }, 600_000);
});
