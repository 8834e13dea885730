/**
 * The generation playground in web mode: on a GPT-2 base (the hf-tiny fixture as a model folder) with a LoRA
 * adapter beside it, clicking Generate streams tokens into both columns while the request runs, and each column
 * ends with its token count and why it stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-generation-');
let db: Database | undefined;
afterAll(() => db?.close());

describe('the generation playground (web mode)', () => {
  it('streams tokens from a GPT-2 base and its LoRA adapter side by side', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Generation');
    const gpt2 = path.join(HF_TINY_DIR, 'gpt2-lm/base');

    await mainNav(page).getByRole('link', { name: 'Models' }).click();
    await page.getByTestId('add-model-path').fill(gpt2);
    await page.getByTestId('add-model').click();
    await page.getByTestId('model-list').getByText(gpt2).first().waitFor();

    // A finished LoRA run on that base, its adapter folder holding PEFT's LoRA for the fixture.
    db = openProjectDb(projectDir);
    const runId = seedRun(db, projectDir, { ...SEED_RUNS.lora, name: 'gpt2-lora', model: gpt2 });
    const adapterDir = path.join(projectDir, 'artifacts', `run-${runId}`, 'adapter');
    for (const f of ['adapter_config.json', 'adapter_model.safetensors'])
      fs.copyFileSync(path.join(HF_TINY_DIR, 'gpt2-lm/lora', f), path.join(adapterDir, f));
    // A trainer records the adapter folder (the seed helper records its weights file, which the UI only sizes).
    db.prepare(`UPDATE artifacts SET path = ? WHERE run_id = ? AND kind = 'adapter'`).run(
      path.join('artifacts', `run-${runId}`, 'adapter'),
      runId,
    );

    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    const form = page.getByRole('form', { name: 'Generation' });
    await form.waitFor();
    // The playground starts on the base the project's adapters are for (once the library has loaded), not on the
    // bundled decoder listed first.
    await expect.poll(() => page.getByTestId('generate-model').inputValue()).toBe(gpt2);
    await page.getByTestId(`generate-with-${runId}`).check();
    await page.getByTestId('generate-prompt').fill('Hello world, this is');
    await form.getByLabel('Max new tokens').fill('100');
    await form.getByLabel('Temperature').fill('0.8');
    await form.getByLabel('Seed').fill('7');
    await page.getByTestId('generate').click();

    // Tokens arrive while the request still runs: text in the base column, the button still busy.
    const base = page.getByTestId('generation-base');
    await page.waitForFunction(
      () => {
        const text = document.querySelector('[data-testid="generation-base"] [data-testid="generated-text"]');
        const button = document.querySelector('[data-testid="generate"]');
        return (text?.textContent ?? '').length > 0 && button?.textContent?.trim() === 'Generating…';
      },
      undefined,
      { timeout: 120_000, polling: 'raf' },
    );
    const partial = (await base.getByTestId('generated-text').textContent()) ?? '';
    expect(await base.getByTestId('generation-stats').textContent()).toMatch(/\d+ tokens so far/);
    await screenshot(page, '48-generation-streaming');

    await page.getByTestId('generate').getByText('Generate', { exact: true }).waitFor({ timeout: 180_000 });
    const lora = page.getByTestId(`generation-${runId}`);
    for (const column of [base, lora]) {
      expect(await column.getByTestId('generation-error').count(), (await column.textContent()) ?? '').toBe(
        0,
      );
      expect(await column.getByTestId('generation-stats').textContent()).toMatch(
        /\d+ tokens · stopped at (max new tokens|end of text|model length)/,
      );
      expect(((await column.getByTestId('generated-text').textContent()) ?? '').length).toBeGreaterThan(0);
    }
    // What streamed in is the start of the final text.
    expect(((await base.getByTestId('generated-text').textContent()) ?? '').startsWith(partial)).toBe(true);
    await screenshot(page, '49-generation-side-by-side');
    expect(errors).toEqual([]);
  });
});
