import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedPeftLoraRun, seedRun, TINY_BERT } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-accelerate-');

/**
 * What train.py leaves in an exported folder after a GPU run: output/adapter (PEFT's files), the JSONL log and the
 * final metrics. The adapter is the tiny BERT's real PEFT LoRA fixture, whose head was trained for that base's
 * three labels, so run_config.json names those labels (a run on a 2-label dataset would name its own).
 */
function fakeGpuRun(folder: string): void {
  const out = path.join(folder, 'output');
  fs.cpSync(path.join(HF_TINY_DIR, 'bert-seqcls/lora'), path.join(out, 'adapter'), {
    recursive: true,
    filter: (src) => !/reference|README/.test(path.basename(src)),
  });
  const configFile = path.join(folder, 'run_config.json');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { labels: string[] };
  config.labels = ['LABEL_0', 'LABEL_1', 'LABEL_2'];
  fs.writeFileSync(configFile, JSON.stringify(config));
  const log = [10, 20, 30, 40].flatMap((step) => [
    { step, split: 'train', loss: 1.1 - step / 100, lr: 0.001 },
    ...(step % 20 === 0
      ? [
          {
            step,
            split: 'validation',
            loss: 1 - step / 100,
            accuracy: 0.5 + step / 100,
            macroF1: 0.4 + step / 100,
          },
        ]
      : []),
  ]);
  fs.writeFileSync(path.join(out, 'metrics.jsonl'), log.map((l) => JSON.stringify(l)).join('\n') + '\n');
  fs.writeFileSync(
    path.join(out, 'final_metrics.json'),
    JSON.stringify({ loss: 0.6, accuracy: 0.9, macroF1: 0.8 }),
  );
  fs.writeFileSync(
    path.join(out, 'train_info.json'),
    JSON.stringify({ steps: 40, numProcesses: 2, device: 'NVIDIA H100 80GB HBM3' }),
  );
}

describe('Accelerate: hand a run to GPUs and bring it back', () => {
  it('exports a run never trained from its run page, imports the trained folder on the Runs page, and compares it', async () => {
    const { page, errors } = await openStudioPage(session);
    const nav = mainNav(page);
    const projectDir = await createProject(page, 'Cluster runs');
    const db = openProjectDb(projectDir);
    const local = seedPeftLoraRun(db, projectDir);
    const queued = seedRun(db, projectDir, {
      ...SEED_RUNS.lora,
      name: 'lora-for-the-cluster',
      status: 'queued',
      steps: 0,
      adapterBytes: null,
      model: TINY_BERT,
    });
    db.close();

    // The run page's Export opens the Export page on that run; not trained yet, it can only go as an Accelerate
    // folder, and the other formats say why.
    await nav.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('link', { name: 'lora-for-the-cluster' }).click();
    await page.getByTestId('run-export').click();
    await expect.poll(() => page.getByTestId('export-run').inputValue()).toBe(String(queued));
    await expect.poll(() => page.getByTestId('format-accelerate').isChecked()).toBe(true);
    expect(await page.getByTestId('format-bundle').isDisabled()).toBe(true);
    expect(await page.getByTestId('reason-peft').textContent()).toMatch(
      /: only a completed run has an adapter to export/,
    );
    const out = await page.getByTestId('export-out').inputValue();
    expect(out).toBe(path.join(projectDir, `exports/run-${queued}-lora-for-the-cluster-accelerate`));
    await page.getByTestId('export-go').click();
    const result = page.getByTestId('export-result');
    await result.or(page.getByTestId('export-error')).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('export-error').count(), await page.locator('main').innerText()).toBe(0);
    for (const f of ['train.py', 'run_config.json', 'data/train.jsonl', 'accelerate/deepspeed_zero2.yaml'])
      expect(await result.textContent()).toContain(f);
    expect(fs.existsSync(path.join(out, 'train.py'))).toBe(true);
    await screenshot(page, '70-export-accelerate');

    // Trained elsewhere, then brought back from the Runs page.
    fakeGpuRun(out);
    await nav.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('import-run-open').click();
    await page.getByTestId('import-run-folder').fill(path.join(projectDir, 'exports/nowhere'));
    await page.getByTestId('import-run-go').click();
    await expect
      .poll(() => page.getByTestId('import-run-error').textContent())
      .toMatch(/nowhere: not a folder/);
    await page.getByTestId('import-run-folder').fill(out);
    await page.getByTestId('import-run-go').click();
    const imported = page.getByTestId('import-run-result');
    await imported.or(page.getByTestId('import-run-error')).waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('import-run-error').count()).toBe(0);
    expect(await imported.textContent()).toMatch(/run #3 lora-for-the-cluster \(Accelerate\)/);
    await expect.poll(() => page.getByTestId('run-list').locator('tbody tr').count()).toBe(3);
    await expect.poll(() => page.getByTestId('status-3').textContent()).toBe('completed');
    await screenshot(page, '71-import-run');

    // Its page: trained on 2 processes, curves from the log.
    await page.getByRole('link', { name: 'lora-for-the-cluster (Accelerate)' }).first().click();
    await expect
      .poll(() => page.getByTestId('run-message').textContent())
      .toMatch(/trained with Accelerate on 2 processes/);

    // Compare: beside the run trained here, with its final metrics.
    await nav.getByRole('link', { name: 'Compare', exact: true }).click();
    await page.getByTestId('run-picker').waitFor();
    for (const id of [local, 3])
      if (!(await page.getByTestId(`pick-${id}`).isChecked())) await page.getByTestId(`pick-${id}`).check();
    const table = page.getByTestId('metrics-table');
    await table.getByText('#3 lora-for-the-cluster (Accelerate)').waitFor();
    await table.getByText(`#${local} lora-r8`).waitFor();
    expect(
      await table
        .locator('tr', { hasText: '(Accelerate)' })
        .locator('[data-metric="accuracy"]')
        .textContent(),
    ).toMatch(/0\.9/);
    await screenshot(page, '72-compare-accelerate');
    expect(errors).toEqual([]);
  });
});
