/**
 * "Merge adapters" on the Adapters page, in Chromium against web mode: LoRA adapters of one base merged with TIES
 * into a new library entry (its rank and size shown), ticked and tried in the playground at once; and the one-line
 * refusals a user meets: different ranks for linear, a non-LoRA adapter, a density out of range.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun, TINY_BERT } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-merge-');
let db: Database | undefined;
afterAll(() => db?.close());

/** A completed run on the tiny BERT whose adapter folder holds the files of `from` (a real PEFT adapter). */
function runWithAdapter(projectDir: string, name: string, method: string, from: string): number {
  const id = seedRun(db as Database, projectDir, {
    ...SEED_RUNS.lora,
    name,
    model: TINY_BERT,
    method: { type: method },
  });
  const dir = path.join(projectDir, 'artifacts', `run-${id}`, 'adapter');
  for (const f of ['adapter_config.json', 'adapter_model.safetensors'])
    fs.copyFileSync(path.join(from, f), path.join(dir, f));
  // The trainer records the adapter folder (the seed records its weights file).
  (db as Database)
    .prepare("UPDATE artifacts SET path = ? WHERE run_id = ? AND kind = 'adapter'")
    .run(path.relative(projectDir, dir), id);
  return id;
}

describe('Merge adapters (web mode)', () => {
  it('merges two LoRA adapters into the library, tries the result, and explains refusals', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Merging');
    const sources = path.join(OWN_FIXTURES_DIR, 'peft-merge/sources');
    db = openProjectDb(projectDir);
    const a = runWithAdapter(projectDir, 'lora a', 'lora', path.join(sources, 'a'));
    const b = runWithAdapter(projectDir, 'lora b', 'lora', path.join(sources, 'b'));
    const c = runWithAdapter(projectDir, 'lora c r2', 'lora', path.join(sources, 'c'));
    const ia3 = runWithAdapter(projectDir, 'ia3 x', 'ia3', path.join(HF_TINY_DIR, 'bert-seqcls/ia3'));

    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    await page.getByTestId('adapter-group').waitFor();
    await page.getByRole('button', { name: 'Merge adapters' }).click();
    const form = page.getByRole('form', { name: 'Merge adapters' });
    await form.waitFor();
    const pick = async (ids: Record<string, boolean>) => {
      for (const [name, on] of Object.entries(ids))
        await form.getByLabel(`Merge ${name}`, { exact: true }).setChecked(on);
    };
    const mergeButton = form.getByRole('button', { name: /^Merge \d+ adapters$/ });
    const error = form.getByTestId('merge-error');

    // linear needs one rank: a (r 4) with c (r 2) is refused in one line. Adapters merge in the page's order.
    await pick({ 'lora a': true, 'lora b': false, 'lora c r2': true, 'ia3 x': false });
    await form.getByLabel('Combination type').selectOption('linear');
    await mergeButton.click();
    await error
      .getByText(
        `linear needs adapters of the same rank: #${c} lora c r2 has r=2, #${a} lora a has r=4 (use cat or svd)`,
      )
      // The first merge starts the engine process.
      .waitFor({ timeout: 120_000 });

    // A non-LoRA adapter is refused by name.
    await pick({ 'lora c r2': false, 'ia3 x': true });
    await mergeButton.click();
    await error.getByText(`run #${ia3} (ia3 x) is a ia3 adapter: only LoRA adapters can be merged`).waitFor();

    // TIES asks for a density; one out of [0, 1] is refused beside the Density field (issue #21), not below.
    await pick({ 'ia3 x': false, 'lora b': true });
    await form.getByLabel('Combination type').selectOption('ties');
    await form.getByLabel('Density').fill('1.5');
    await mergeButton.click();
    const densityError = form
      .locator('label', { has: page.getByRole('spinbutton', { name: 'Density' }) })
      .getByTestId('field-error');
    await densityError.getByText('Density must be between 0 and 1').waitFor();
    expect(await error.count()).toBe(0);
    await screenshot(page, '66-merge-adapters-error');

    // The real merge: TIES at density 0.5, weights 0.7 and 0.5.
    await form.getByLabel('Density').fill('0.5');
    await form.getByLabel('Weight of lora b').fill('0.7');
    await form.getByLabel('Weight of lora a').fill('0.5');
    await expect(mergeButton.textContent()).resolves.toBe('Merge 2 adapters');
    await mergeButton.click();
    const result = form.getByTestId('merge-result');
    await result.waitFor({ timeout: 120_000 });
    const text = ((await result.textContent()) ?? '').replace(/\s+/g, ' ');
    expect(text).toMatch(new RegExp(`ties merge of #${b} \\+ #${a} to the library: rank 4, 4 modules, \\d`));
    expect(await error.count()).toBe(0);

    // Listed at once, ticked for the playground, and it predicts beside the base.
    const newId = Number(/#(\d+) ties merge/.exec(text)?.[1]);
    expect(newId).toBeGreaterThan(c);
    const tryNew = page.getByTestId(`try-${newId}`);
    await tryNew.waitFor();
    expect(await tryNew.isChecked()).toBe(true);
    await page.getByTestId('playground-text').fill('a lovely film');
    await page.getByTestId('playground-predict').click();
    const column = page.getByTestId(`prediction-${newId}`);
    await column.waitFor({ timeout: 120_000 });
    expect(await column.getByRole('heading').textContent()).toContain('ties merge of');
    expect(await column.locator('li').count()).toBeGreaterThan(0);
    await screenshot(page, '67-merge-adapters-playground');
    expect(errors).toEqual([]);
  });
});
