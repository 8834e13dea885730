import { describe, expect, it } from 'vitest';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';

const session = useStudioSession('studio-e2e-new-run-');

describe('the New run page', () => {
  it('starts on the bundled model, previews trainable parameters live, and saves and loads presets', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(session.studio.url);
    await page.getByTestId('project-name').fill('Presets');
    await page.getByTestId('create-project').click();
    await page.getByTestId('current-project').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run' }).click();

    // The bundled default model is chosen and described; the preview counts what the run trains.
    expect(await page.getByTestId('model-path').inputValue()).toBe('default');
    await page.getByTestId('model-info').getByText('bert').waitFor();
    await page.getByTestId('method').selectOption('bottleneck');
    const trainable = page.getByTestId('preview-trainable');
    await trainable.waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('preview').getAttribute('data-pending')).toBe('false');
    const bottleneck = await trainable.textContent();
    expect(bottleneck).toMatch(/trainable/);
    await page.getByTestId('preview-memory').waitFor();

    // Another method, another count.
    await page.getByTestId('method').selectOption('lora');
    await expect.poll(() => trainable.textContent(), { timeout: 30_000 }).not.toBe(bottleneck);
    const lora = await trainable.textContent();
    await page.getByLabel('Rank r').fill('32');
    await expect.poll(() => trainable.textContent(), { timeout: 30_000 }).not.toBe(lora);
    await screenshot(page, '15-new-run-preview');

    // The options are drawn from the method's JSON Schema: one dropout rule [0, 1), help text from the schema.
    const dropout = page.getByLabel('Dropout');
    expect([await dropout.getAttribute('min'), await dropout.getAttribute('max')]).toEqual(['0', '0.99']);
    await page.locator('label[data-field="dropout"]').getByText('in [0, 1)').waitFor();
    // Every activation the schema accepts is offered (silu was missing), and the chosen one reaches the config.
    await page.getByTestId('method').selectOption('bottleneck');
    await page.getByLabel('Non-linearity').selectOption('silu');
    await page.getByRole('button', { name: /CLI config/ }).click();
    await expect.poll(() => page.getByTestId('cli-config').textContent()).toMatch(/"activation": "silu"/);
    // A bottleneck adapter does not merge: the preview says so once it has caught up with the form.
    await page
      .getByTestId('preview')
      .getByText('Stays a separate module at inference')
      .waitFor({ timeout: 30_000 });
    await screenshot(page, '15b-new-run-schema-form');

    // A method that does not fit the model is explained in the preview, before starting.
    await page.getByTestId('method').selectOption('conv');
    await page.getByTestId('preview-error').waitFor({ timeout: 30_000 });

    // Presets: save the LoRA r=32 form, change it, load the preset back.
    await page.getByTestId('method').selectOption('lora');
    await page.getByTestId('preset-name').fill('LoRA r32');
    await page.getByTestId('preset-save').click();
    await page.getByRole('status').getByText('Saved "LoRA r32"').waitFor();
    await page.getByTestId('method').selectOption('ia3');
    await page.getByTestId('preset-select').selectOption({ label: 'LoRA r32' });
    await page.getByTestId('preset-load').click();
    expect(await page.getByTestId('method').inputValue()).toBe('lora');
    expect(await page.getByLabel('Rank r').inputValue()).toBe('32');
    expect(errors).toEqual([]);
  });
});
