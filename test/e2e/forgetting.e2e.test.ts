import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWN_FIXTURES_DIR, REPO_ROOT } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-forgetting-');

/** `studio train --config` in a terminal beside the open window (the CLI does not lock the project). */
function trainInTerminal(
  projectDir: string,
  name: string,
  method: object,
  forgetting?: object,
): Promise<string> {
  const config = path.join(session.dir, `${name}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      project: projectDir,
      model: 'default',
      name,
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
      method,
      train: { epochs: 3, batchSize: 4, lr: 0.01, maxLength: 24, seed: 1, dropout: false },
      ...(forgetting ? { forgetting } : {}),
    }),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/studio.mjs'), 'train', '--config', config],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, STUDIO_HOME: path.join(session.dir, 'cli-home') },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
  });
}

describe('forgetting on the run page and in Compare', () => {
  it('an adapter shows zero change, full fine-tuning a measurable one, on the same reference set', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Forgetting');

    // LoRA names the reference in its config (scored after training); full fine-tuning is scored from its page.
    const reference = { reference: { sample: 'moby-dick' }, maxExamples: 8 };
    const out = await trainInTerminal(
      projectDir,
      'lora adapter',
      { type: 'lora', r: 4, alpha: 8 },
      reference,
    );
    expect(out).toMatch(/forgetting on sample:moby-dick \(8 examples\): 0 of \d+ base weights changed/);
    await trainInTerminal(projectDir, 'full fine-tune', { type: 'full' });

    // The LoRA run's page: the report stored after training, with zero change.
    await mainNav(page).getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('run-row-1').getByRole('link').click();
    const lora = page.getByTestId('run-forgetting');
    const loraReport = lora.getByTestId('forgetting-report');
    await loraReport.waitFor({ timeout: 60_000 });
    expect(await loraReport.getAttribute('data-reference')).toBe('sample:moby-dick');
    expect(await lora.getByTestId('forgetting-verdict').textContent()).toMatch(/^Base untouched/);
    expect(await lora.getByTestId('forgetting-lm-change').textContent()).toBe('+0.0000');
    expect(await lora.getByTestId('forgetting-lm-agreement').textContent()).toMatch(/^100\.0% of \d+ tokens/);
    expect(await lora.getByTestId('forgetting-weights').textContent()).toMatch(
      /^0 of \d+ base weight tensors/,
    );
    await lora.scrollIntoViewIfNeeded();
    await screenshot(page, '70-forgetting-adapter');

    // The full fine-tune's page: no report yet; score it on the same sample, 8 examples, in the engine process.
    await mainNav(page).getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId('run-row-2').getByRole('link').click();
    const full = page.getByTestId('run-forgetting');
    await full.waitFor();
    expect(await full.getByTestId('forgetting-report').count()).toBe(0);
    await full.locator('summary').click();
    await full.getByTestId('forgetting-reference').selectOption('sample:moby-dick');
    await full.getByTestId('forgetting-max').fill('8');
    await full.getByTestId('forgetting-score').click();
    await full
      .getByTestId('forgetting-report')
      .or(full.getByTestId('forgetting-error'))
      .waitFor({ timeout: 180_000 });
    expect(await full.getByTestId('forgetting-error').count(), await full.innerText()).toBe(0);
    const change = Number((await full.getByTestId('forgetting-lm-change').textContent())!.replace('−', '-'));
    expect(Math.abs(change)).toBeGreaterThan(0.001);
    expect(await full.getByTestId('forgetting-verdict').textContent()).toMatch(
      /^\d+ of \d+ base weights changed/,
    );
    expect(await full.getByTestId('forgetting-lm-agreement').textContent()).not.toMatch(/^100\.0%/);
    await full.scrollIntoViewIfNeeded();
    await screenshot(page, '71-forgetting-full');

    // Compare: both runs on the same reference, one row each.
    await mainNav(page).getByRole('link', { name: 'Compare', exact: true }).click();
    await page.getByTestId('run-picker').waitFor();
    for (const id of [1, 2])
      if (!(await page.getByTestId(`pick-${id}`).isChecked())) await page.getByTestId(`pick-${id}`).check();
    const rows = page.getByTestId('forgetting-row');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    const row = (id: number) => page.locator(`[data-testid="forgetting-row"][data-run="${id}"]`);
    expect(await row(1).getByTestId('forgetting-changed').textContent()).toMatch(/^0 of \d+$/);
    expect(await row(1).getByTestId('forgetting-lm-change').textContent()).toContain('+0.0000');
    expect(await row(2).getByTestId('forgetting-changed').textContent()).toMatch(/^[1-9]\d* of \d+$/);
    expect(await row(2).getByTestId('forgetting-lm-change').textContent()).not.toContain('0.0000');
    await page.getByTestId('compare-forgetting').scrollIntoViewIfNeeded();
    await screenshot(page, '72-compare-forgetting');
    expect(errors).toEqual([]);
  }, 600_000);
});
