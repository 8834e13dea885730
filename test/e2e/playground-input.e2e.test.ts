/**
 * The Adapters page's playground asks for what the base model reads: an image for an image architecture, a text
 * otherwise. The page learns it from main (the model list's `inputKind`, from the architecture's declaration in
 * models/<arch>/spec.ts), not from a list of architecture names of its own.
 */
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-playground-');
let db: Database | undefined;
afterAll(() => db?.close());

describe('the playground input (web mode)', () => {
  it('asks for an image on a ViT base and for a text on a GPT-2 base', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Playground inputs');
    const vit = path.join(HF_TINY_DIR, 'vit-imgcls/base');
    const gpt2 = path.join(HF_TINY_DIR, 'gpt2-lm/base');

    // Both bases added on the Models page, as a user does.
    await mainNav(page).getByRole('link', { name: 'Models' }).click();
    for (const folder of [vit, gpt2]) {
      await page.getByTestId('add-model-path').fill(folder);
      await page.getByTestId('add-model').click();
      await page.getByTestId('model-list').getByText(folder).first().waitFor();
    }

    // One finished adapter on each base (written as the trainer would).
    db = openProjectDb(projectDir);
    seedRun(db, projectDir, { ...SEED_RUNS.lora, name: 'vit-lora', model: vit });
    seedRun(db, projectDir, { ...SEED_RUNS.lora, name: 'gpt2-lora', model: gpt2 });

    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    // Both groups listed (the page reads the project again when it opens).
    await page.getByTestId('adapter-group').nth(1).waitFor();
    const onBase = (folder: string) => page.getByRole('radio', { name: `On ${folder}` });

    await onBase(vit).check();
    await page.getByTestId('playground-image').waitFor();
    expect(await page.getByTestId('playground-text').count()).toBe(0);
    await screenshot(page, '47-playground-image-base');

    await onBase(gpt2).check();
    await page.getByTestId('playground-text').waitFor();
    expect(await page.getByTestId('playground-image').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
