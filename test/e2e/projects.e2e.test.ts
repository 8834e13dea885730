import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';
import { launchBrowser, screenshot } from './helpers/browser.ts';
import { startStudio } from './helpers/studio-server.ts';

const home = tempDir('studio-e2e-');
const env = { STUDIO_HOME: path.join(home.dir, 'home') };
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  home.cleanup();
});

describe('projects page (web mode)', () => {
  it('creates a project in the UI, and still lists it after a server restart', async () => {
    const first = await startStudio(env);
    const page = await browser.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(first.url);
    await page.getByTestId('no-projects').waitFor();
    await screenshot(page, '01-projects-empty');

    await page.getByTestId('project-name').fill('Spam filter');
    await page.getByTestId('create-project').click();
    await page.getByTestId('current-project').getByText('Spam filter').waitFor();
    const rows = page.getByTestId('project-list').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await screenshot(page, '02-project-created');
    const projectDir = path.join(env.STUDIO_HOME, 'projects', 'spam-filter');
    expect(fs.existsSync(path.join(projectDir, 'studio.db'))).toBe(true);
    expect(fs.existsSync(path.join(projectDir, 'artifacts'))).toBe(true);
    await first.stop();

    const second = await startStudio(env);
    expect(second.url).not.toBe(first.url); // a new random token (and port) each start
    await page.goto(second.url);
    await page.getByTestId('project-list').getByText('Spam filter').waitFor();
    await screenshot(page, '03-project-after-restart');

    // Every page is built: Export, the last one, shows its own heading.
    await page.getByRole('link', { name: 'Export' }).click();
    await page.getByRole('heading', { name: 'Export', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('backend').getByText('wasm').waitFor({ timeout: 60_000 });
    await screenshot(page, '04-settings');
    expect(errors).toEqual([]);
    await second.stop();
  });

  it('answers 401 to a browser that has no token', async () => {
    const studio = await startStudio(env);
    const page = await browser.browser.newPage();
    const res = await page.goto(studio.url.replace(/\?token=.*$/, ''));
    expect(res?.status()).toBe(401);
    await studio.stop();
  });
});
