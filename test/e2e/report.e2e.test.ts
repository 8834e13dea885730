import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { saveForgetting } from '../../src-main/db/tables/forgetting.ts';
import { SCREENSHOTS_DIR, screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-report-');

describe('the Compare view as one self-contained HTML report', () => {
  it('downloads a report that opens offline in Chromium with no request and no console error', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Report');
    const db = openProjectDb(projectDir);
    const t0 = Date.parse('2026-11-02T09:00:00Z');
    const bottleneck = seedRun(db, projectDir, SEED_RUNS.bottleneck, new Date(t0));
    const lora = seedRun(db, projectDir, SEED_RUNS.lora, new Date(t0 + 900_000));
    saveForgetting(db, {
      runId: lora,
      reference: 'sample:moby-dick',
      referenceHash: 'f'.repeat(64),
      scoredAt: new Date(t0 + 1_000_000).toISOString(),
      examples: 8,
      baseWeightsChanged: 0,
      baseWeights: 74,
      lm: {
        objective: 'masked-lm',
        tokens: 120,
        lossBefore: 2.2074,
        lossAfter: 2.2074,
        perplexityBefore: 9.09,
        perplexityAfter: 9.09,
        agreement: 1,
      },
      classification: null,
    });
    db.close();

    await mainNav(page).getByRole('link', { name: 'Compare', exact: true }).click();
    await page.getByTestId('run-picker').waitFor();
    for (const id of [bottleneck, lora])
      if (!(await page.getByTestId(`pick-${id}`).isChecked())) await page.getByTestId(`pick-${id}`).check();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-report').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^compare-\d+-\d+\.html$/);
    const saved = await page.getByTestId('report-saved').textContent();
    expect(saved).toMatch(/reports[\\/]compare-\d+-\d+\.html$/);
    // Kept under its own name: a file:// page is read as HTML by its extension.
    const file = path.join(session.dir, download.suggestedFilename());
    await download.saveAs(file);
    const html = fs.readFileSync(file, 'utf8');
    // The copy in the project's reports/ folder is the same file.
    expect(fs.readFileSync(saved!.replace(/^Saved to /, ''), 'utf8')).toBe(html);

    // A fresh context with every request refused: the report must need none.
    const context = await session.browser.newContext({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    await context.route('**/*', (route) =>
      route.request().url() === url ? route.continue() : route.abort('internetdisconnected'),
    );
    const offline = await context.newPage();
    offline.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    const consoleErrors: string[] = [];
    offline.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
    });
    offline.on('pageerror', (e) => consoleErrors.push(e.message));
    await offline.goto(url);
    await offline.waitForLoadState('load');
    expect(await offline.title()).toBe('Comparing 2 runs');
    // Curves and the efficiency scatter as SVG, the runs, forgetting and hashes as tables, the configs.
    expect(await offline.locator('svg').count()).toBeGreaterThanOrEqual(3);
    expect(await offline.locator('svg polyline').count()).toBeGreaterThanOrEqual(2);
    const text = await offline.locator('main').innerText();
    expect(text).toContain(SEED_RUNS.bottleneck.name);
    expect(text).toContain(SEED_RUNS.lora.name);
    expect(text).toMatch(/Forgetting \(reference sets scored before and after training\)/);
    expect(text).toMatch(/sample:moby-dick\s+0 of 74/);
    expect(text).toMatch(/Dataset sha256/);
    expect(await offline.locator('details summary').count()).toBe(2);
    await offline.locator('details summary').first().click();
    expect(await offline.locator('details pre').first().innerText()).toContain('"method"');
    await offline.screenshot({ path: `${SCREENSHOTS_DIR}/73-report-offline.png`, fullPage: true });
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await context.close();
    await screenshot(page, '74-compare-report-button');
    expect(errors).toEqual([]);
  }, 300_000);
});
