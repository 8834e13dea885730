/**
 * The router in Chromium (web mode): New run offers "Router over library adapters" with a picker of the library's
 * classifier adapters and shows it as a `router` train config; a saved router in the playground answers over its
 * adapters' labels and says whom it routed the text to, with what weight.
 */
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { baseIdentity, createAdapter, saveAdapter } from '../../src-main/adapters/index.ts';
import { insertArtifact } from '../../src-main/db/tables/artifacts.ts';
import { insertRun, updateRunStatus } from '../../src-main/db/tables/runs.ts';
import { loadModel } from '../../src-main/models/index.ts';
import { useTestBackend } from '../helpers/backend.ts';
import { seedTwoTaskLibrary } from '../helpers/compose.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, TINY_BERT } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-router-');
let db: Database | undefined;
afterAll(() => db?.close());

/** A router over runs 1 and 2 as training would leave it (its head moved off its start), recorded as run 3. */
async function seedRouter(database: Database, projectDir: string): Promise<number> {
  const dirs = [1, 2].map((id) => path.join(projectDir, 'artifacts', `run-${id}`, 'adapter'));
  const now = new Date().toISOString();
  const method = { type: 'router' as const, adapters: dirs, mode: 'soft' as const, perTask: 600 };
  const id = insertRun(database, {
    name: 'router',
    datasetId: null,
    baseModelId: null,
    method: 'router',
    config: { model: TINY_BERT, name: 'router', dataset: { sample: 'spam-assassin' }, method },
    createdAt: now,
  });
  const rel = path.join('artifacts', `run-${id}`, 'adapter');
  const model = loadModel(TINY_BERT);
  const router = createAdapter(model, method, 3, { numLabels: 2 });
  let s = 9;
  for (const v of router.weights.values())
    v.assign(tf.tidy(() => v.add(tf.randomNormal(v.shape, 0, 0.5, 'float32', s++))));
  const routes = ['01 #1 spam or ham', '02 #2 names by gender'];
  await saveAdapter(
    model,
    router,
    { adapters: dirs, mode: 'soft', perTask: 600, task: 'classification', labels: routes },
    path.join(projectDir, rel),
    baseIdentity(model),
  );
  router.dispose();
  model.dispose();
  insertArtifact(database, {
    runId: id,
    kind: 'adapter',
    path: rel,
    sha256: '',
    bytes: 1,
    meta: {},
    createdAt: now,
  });
  updateRunStatus(database, id, {
    status: 'completed',
    step: 10,
    totalSteps: 10,
    startedAt: now,
    finishedAt: now,
  });
  return id;
}

describe('the router (web mode)', () => {
  it('New run offers a router over library adapters; the playground shows whom it routed to', async () => {
    await useTestBackend();
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Routing');
    db = openProjectDb(projectDir);
    await seedTwoTaskLibrary(db, projectDir, TINY_BERT);

    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page
      .getByTestId('method')
      .selectOption({ label: 'Router over library adapters (Adapter Selector)' });
    await page.getByTestId('router-picker').waitFor();
    await expect.poll(() => page.getByTestId('router-picker').getByRole('checkbox').count()).toBe(2);
    await page.getByRole('checkbox', { name: 'Route to #1 spam or ham' }).check();
    await page.getByRole('checkbox', { name: 'Route to #2 names by gender' }).check();
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    const shown = JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}') as {
      method: Record<string, unknown>;
    };
    expect(shown.method).toMatchObject({ type: 'router', adapters: [1, 2] });
    await screenshot(page, 'router-01-new-run');

    const routerId = await seedRouter(db, projectDir);
    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    await page.getByTestId(`try-${routerId}`).waitFor();
    for (const id of [1, 2]) await page.getByTestId(`try-${id}`).uncheck();
    await page.getByTestId(`try-${routerId}`).check();
    await page.getByTestId('playground-text').fill('Maria');
    await page.getByTestId('playground-predict').click();
    const col = page.getByTestId(`prediction-${routerId}`);
    await col.waitFor();
    expect((await col.locator('.label').allTextContents()).sort()).toEqual(['female', 'ham', 'male', 'spam']);
    const routed = (await col.getByTestId('routing').textContent()) ?? '';
    expect(routed).toMatch(/Routed to/);
    expect(routed).toContain('#1 spam or ham');
    expect(routed).toContain('#2 names by gender');
    await screenshot(page, 'router-02-playground');
    expect(errors).toEqual([]);
  });
});
