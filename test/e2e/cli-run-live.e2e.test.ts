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
    const dir = await createProject(page, 'Trained from a terminal');
    await mainNav(page).getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('no-runs').waitFor();

    // A reload would lose this mark; every call the page makes and every event it receives is recorded.
    await page.evaluate(() => Object.assign(window, { studioMark: 'still the same page' }));
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

    const config = path.join(session.dir, 'terminal-run.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        model: 'default',
        name: 'from the terminal',
        dataset: { sample: 'first-names' },
        method: { type: 'lora', r: 4 },
        train: { epochs: 1, batchSize: 16, maxLength: 12, evalEvery: 10, maxSteps: 60 },
      }),
    );
    const terminal = trainFromTerminal(dir, config);
    try {
      // The run appears in the list the page already shows.
      const row = page.getByTestId('run-list').locator('tbody tr');
      await expect.poll(() => row.count(), { timeout: 120_000 }).toBe(1);
      // ...by an event: the page fetched no list since the terminal started.
      expect(calls.filter((c) => c.name === 'runs:list')).toEqual([]);
      await page.getByRole('link', { name: 'from the terminal' }).click();
      await page.getByTestId('run-status').waitFor();

      // Its step counter and loss curve advance while it trains.
      const step = async () => Number(await page.getByTestId('run-step').textContent());
      const points = async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points'));
      await expect.poll(step, { timeout: 120_000 }).toBeGreaterThan(0);
      const [firstStep, firstPoints] = [await step(), await points()];
      await expect.poll(step, { timeout: 120_000 }).toBeGreaterThan(firstStep);
      await expect.poll(points, { timeout: 120_000 }).toBeGreaterThan(firstPoints);
      if ((await page.getByTestId('run-status').textContent())?.trim() === 'running')
        await screenshot(page, '47-cli-run-live');

      await waitForRunCompleted(page, 300_000);
      expect(await terminal.exited, terminal.output()).toBe(0);
      await expect.poll(step).toBe(60);
      await page
        .getByTestId('run-log')
        .getByText(/completed/i)
        .first()
        .waitFor();
      await screenshot(page, '48-cli-run-completed');
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
    const count = (name: string) => calls.filter((c) => c.name === name).length;
    // Opening the run's page loads the list once; nothing reloads it after that.
    expect(count('runs:list')).toBeLessThanOrEqual(1);
    expect(count('runs:metrics')).toBeLessThanOrEqual(events.filter((e) => e === 'run:metrics').length + 1);
    const quietFrom = Date.now();
    await page.waitForTimeout(3000);
    expect(calls.filter((c) => c.at >= quietFrom)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
