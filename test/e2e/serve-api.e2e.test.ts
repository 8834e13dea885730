/**
 * The Settings page's serving-API switch in Chromium (web mode): switched on, it shows the API's URL and the
 * studio's token, and a request with exactly what the page shows classifies with the project's adapter (a real
 * PEFT LoRA folder on the tiny BERT); without the token the same request is refused; switched off, nothing listens.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { insertArtifact } from '../../src-main/db/tables/artifacts.ts';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun, TINY_BERT } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-serve-api-');
let db: Database | undefined;
afterAll(() => db?.close());

describe('the serving API switch (web mode)', () => {
  it('starts the API from Settings, and a request with the shown token works', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Serving');
    db = openProjectDb(projectDir);
    const runId = seedRun(db, projectDir, {
      ...SEED_RUNS.lora,
      name: 'spam-lora',
      model: TINY_BERT,
      adapterBytes: null,
    });
    // Its adapter: a real PEFT LoRA for the tiny BERT, recorded as the trainer records one (the folder).
    const rel = path.join('artifacts', `run-${runId}`, 'adapter');
    fs.cpSync(path.join(HF_TINY_DIR, 'bert-seqcls/lora'), path.join(projectDir, rel), { recursive: true });
    insertArtifact(db, {
      runId,
      kind: 'adapter',
      path: rel,
      sha256: '0'.repeat(64),
      bytes: 1,
      meta: {},
      createdAt: new Date().toISOString(),
    });

    await mainNav(page).getByRole('link', { name: 'Settings' }).click();
    const sw = page.getByRole('switch');
    await sw.waitFor();
    expect(await sw.isChecked()).toBe(false);
    await sw.check();
    const url = (await page.getByTestId('serve-api-url').textContent({ timeout: 60_000 }))?.trim() ?? '';
    const token = (await page.getByTestId('serve-api-token').textContent())?.trim() ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token.length).toBeGreaterThan(10);
    await expect.poll(() => page.getByTestId('serve-api-details').isVisible()).toBe(true);
    await screenshot(page, '60-settings-serving-api');

    const classify = (auth: string | null) =>
      fetch(`${url}/v1/classify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
        body: JSON.stringify({ adapter: 'spam-lora', text: 'win a free prize now' }),
      });
    expect((await classify(null)).status).toBe(401);
    const ok = await classify(token);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { labels: { label: string; probability: number }[] };
    expect(body.labels.length).toBeGreaterThan(0);
    expect(body.labels.reduce((t, l) => t + l.probability, 0)).toBeCloseTo(1, 4);
    // By library id too.
    const byId = await fetch(`${url}/v1/adapters`, { headers: { authorization: `Bearer ${token}` } });
    const listed = (await byId.json()) as { adapters: { id: string; name: string }[] };
    expect(listed.adapters).toContainEqual(expect.objectContaining({ id: String(runId), name: 'spam-lora' }));

    await sw.uncheck();
    await page.getByTestId('serve-api-details').waitFor({ state: 'detached' });
    await expect(fetch(`${url}/v1/adapters`)).rejects.toThrow();
    expect(errors).toEqual([]);
  });
});
