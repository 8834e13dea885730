import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, seedPeftLoraRun } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-evaluate-');

describe('evaluating a run on a file (run page)', () => {
  it('shows the headline beside its baseline, then scores a file into a confusion matrix', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Evaluate');

    // A finished LoRA run whose adapter is a real PEFT adapter on the tiny BERT (its labels: LABEL_0..2).
    const db = openProjectDb(projectDir);
    const lora = seedPeftLoraRun(db, projectDir);
    db.close();
    const file = path.join(projectDir, 'eval.csv');
    const labels = ['LABEL_0', 'LABEL_1', 'LABEL_2'];
    const texts = [
      'the cat sat',
      'a dog ran far',
      'birds sing',
      'hello world',
      'quiet night',
      'open the door',
    ];
    fs.writeFileSync(file, `text,label\n${texts.map((t, i) => `${t},${labels[i % 3]}`).join('\n')}\n`);

    // The runs list: final and best accuracy, sortable.
    await mainNav(page).getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByTestId(`run-row-${lora}`).waitFor();
    expect(await page.getByTestId(`final-${lora}`).textContent()).toMatch(/0\.\d+/);
    await page.getByRole('button', { name: 'Final' }).click();
    expect(await page.getByRole('columnheader', { name: /Final/ }).getAttribute('aria-sort')).toBe(
      'descending',
    );

    await page.getByTestId(`run-row-${lora}`).getByRole('link').click();
    await page.getByTestId('run-headline').waitFor();
    expect(await page.getByTestId('headline-final').textContent()).toMatch(/0\.\d+/);

    const panel = page.getByTestId('run-evaluate');
    await panel.locator('summary').click();
    await page.getByTestId('evaluate-file').fill(file);
    await page.getByTestId('evaluate-button').click();
    const matrix = page.getByTestId('confusion-matrix');
    await matrix.or(page.getByTestId('evaluate-error')).waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('evaluate-error').count(), await panel.innerText()).toBe(0);
    // Every row of the file lands in exactly one cell; the true-label rows hold 2 examples each.
    let total = 0;
    for (let i = 0; i < 3; i++) {
      let rowSum = 0;
      for (let j = 0; j < 3; j++) rowSum += Number(await page.getByTestId(`cm-${i}-${j}`).textContent());
      expect(rowSum).toBe(2);
      total += rowSum;
    }
    expect(total).toBe(texts.length);
    expect(await page.getByTestId('evaluate-metrics').textContent()).toContain('6 examples');
    expect(await page.getByTestId('per-class').locator('tbody tr').count()).toBe(3);
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, '60-evaluate-confusion');

    // A label the run does not know: one line naming the file and line.
    fs.writeFileSync(file, 'text,label\nsome text,LABEL_9\n');
    await page.getByTestId('evaluate-button').click();
    await expect
      .poll(() => page.getByTestId('evaluate-error').textContent())
      .toMatch(/eval\.csv:2: label "LABEL_9" is not one the run was trained on/);
    expect(errors).toEqual([]);
  }, 300_000);
});
