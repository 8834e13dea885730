import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';

const session = useStudioSession('studio-e2e-new-run-caps-');

describe('the New run page refuses sizes the model cannot take', () => {
  it('explains an oversized LoRA rank in the preview and on Start, in one line, and starts no run', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(session.studio.url);
    await page.getByTestId('project-name').fill('Caps');
    await page.getByTestId('create-project').click();
    await page.getByTestId('current-project').waitFor();
    await page.getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-path').fill(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('bert').waitFor();
    await page.getByTestId('sample').selectOption('first-names');
    await page.getByTestId('method').selectOption('lora');
    await page.getByLabel('Rank r').fill('100000');

    const preview = page.getByTestId('preview-error');
    await preview.waitFor({ timeout: 60_000 });
    expect(await preview.textContent()).toContain(
      'lora.r 100000 is larger than the layer width 64; use at most 64',
    );
    await page.getByTestId('start-run').click();
    const refusal = page.getByTestId('run-error');
    await refusal.waitFor({ timeout: 60_000 });
    expect((await refusal.textContent())?.trim()).toMatch(/use at most 64$/);
    expect(await refusal.textContent()).not.toMatch(/\n\s+at /);
    await screenshot(page, '40-new-run-rank-refused');
    // Still on the New run page: no run was created.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Runs', exact: true })
      .click();
    await expect.poll(async () => page.locator('[data-testid^="run-row-"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
