import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src-renderer/lib/format.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedPeftLoraRun, seedRun } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-export-');

describe('the Export page', () => {
  it('exports a bundle with its model card, explains unusable formats, and imports the bundle back', async () => {
    const { page, errors } = await openStudioPage(session);
    const nav = mainNav(page);

    // No project yet: the page points to the Projects page.
    await nav.getByRole('link', { name: 'Export', exact: true }).click();
    await page.getByTestId('no-project').getByRole('link', { name: 'Projects' }).waitFor();

    const projectDir = await createProject(page, 'Team share');

    // No finished run yet: the page says what to do.
    await nav.getByRole('link', { name: 'Export', exact: true }).click();
    await page.getByTestId('export-empty').getByRole('link', { name: 'New run' }).waitFor();

    // A LoRA run (seeded curves) whose adapter is a real PEFT adapter on the tiny BERT, and a bottleneck run.
    const db = openProjectDb(projectDir);
    const bottleneck = seedRun(db, projectDir, SEED_RUNS.bottleneck);
    const lora = seedPeftLoraRun(db, projectDir, { peftFilesOnly: true });
    db.close();

    await nav.getByRole('link', { name: 'Runs', exact: true }).click();
    await nav.getByRole('link', { name: 'Export', exact: true }).click();
    await page.getByTestId('export-run').waitFor();
    await page.getByTestId('export-run').selectOption(String(lora));
    // The model card: name, method, share of parameters, metrics, how to load.
    const card = page.getByTestId('model-card');
    await expect.poll(() => card.textContent()).toMatch(/^# lora-r8/);
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('LoRA');
    expect(text).toContain('0.27%');
    expect(text).toMatch(/\| Accuracy \| 0\.\d{4} \|/);
    expect(text).toContain('PeftModel.from_pretrained');
    // Every format applies to LoRA; the bundle is chosen and goes under the project's exports/ folder.
    for (const f of ['peft', 'merged', 'bundle'])
      expect(await page.getByTestId(`format-${f}`).isDisabled()).toBe(false);
    expect(await page.getByTestId('reason-adapterhub').textContent()).toMatch(/bottleneck adapters/);
    await page.getByTestId('format-bundle').check();
    const out = await page.getByTestId('export-out').inputValue();
    expect(out).toBe(path.join(projectDir, `exports/run-${lora}-lora-r8-bundle.zip`));

    await page.getByTestId('export-go').click();
    const result = page.getByTestId('export-result');
    await result.or(page.getByTestId('export-error')).waitFor();
    expect(await page.getByTestId('export-error').count(), await page.locator('main').innerText()).toBe(0);
    expect(await result.textContent()).toContain('README.md');
    expect(await result.textContent()).toContain('adapter/adapter_model.safetensors');
    const zip = unzipSync(new Uint8Array(fs.readFileSync(out)));
    expect(new TextDecoder().decode(zip['README.md'])).toBe(text);
    await screenshot(page, '50-export-bundle');
    // The size shown is the zip's own, not the sum of its files uncompressed.
    expect(await page.getByTestId('export-bytes').textContent()).toBe(formatBytes(fs.statSync(out).size));

    // Exporting again over the same .zip asks first; Overwrite replaces it.
    fs.writeFileSync(out, 'keep me unless asked');
    await page.getByTestId('export-go').click();
    await expect
      .poll(() => page.getByTestId('export-error').textContent())
      .toMatch(/already exists; not overwritten/);
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me unless asked');
    await screenshot(page, '52-export-overwrite-confirm');
    await page.getByTestId('export-overwrite').click();
    await result.waitFor();
    expect(await page.getByTestId('export-overwrite-confirm').count()).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 2).toString()).toBe('PK');

    // A bottleneck run: PEFT and merged are disabled, each with the reason.
    await page.getByTestId('export-run').selectOption(String(bottleneck));
    await expect.poll(() => page.getByTestId('format-peft').isDisabled()).toBe(true);
    expect(await page.getByTestId('reason-peft').textContent()).toMatch(/PEFT has no bottleneck adapter/);
    expect(await page.getByTestId('reason-merged').textContent()).toMatch(/cannot be merged/);
    // Errors show where they happen: a bundle path that is not a .zip.
    await page.getByTestId('format-bundle').check();
    await page.getByTestId('export-out').fill(path.join(projectDir, 'exports/not-a-zip'));
    await page.getByTestId('export-go').click();
    await expect
      .poll(() => page.getByTestId('export-error').textContent())
      .toMatch(/a bundle is a \.zip file/);

    // Importing the LoRA bundle adds it to the project as a completed run.
    await page.getByTestId('import-path').fill(out);
    await page.getByTestId('import-go').click();
    await expect.poll(() => page.getByTestId('import-result').textContent()).toMatch(/run #3 lora-r8/);
    await page.getByTestId('import-path').fill(path.join(projectDir, 'exports/missing.zip'));
    await page.getByTestId('import-go').click();
    await expect.poll(() => page.getByTestId('import-error').textContent()).toMatch(/missing\.zip/);

    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await screenshot(page, '51-export-dark');
    await page.getByRole('button', { name: 'Light theme' }).click();
    expect(errors).toEqual([]);
  });
});
