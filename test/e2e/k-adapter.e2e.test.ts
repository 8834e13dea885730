/**
 * K-Adapter in New run, clicked through in Chromium (web mode): the method's options and help come from its schema,
 * the library's two knowledge adapters are offered to combine, and the combination trains on the named-mail sample
 * (the target that needs both adapters' knowledge; the run ids become their folders in main) to completion with
 * only its head trainable.
 */
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { useTestBackend } from '../helpers/backend.ts';
import { seedAdapterRun } from '../helpers/compose.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, TINY_BERT } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-kadapter-');
let db: Database | undefined;
afterAll(() => db?.close());

const knowledge: MethodConfig = {
  type: 'k-adapter',
  layers: [0, 1],
  adapterSize: 8,
  transformerLayers: 1,
  heads: 2,
};

describe('K-Adapter in New run (web mode)', () => {
  it('offers its options and the library’s knowledge adapters, and trains a combination of two', async () => {
    await useTestBackend();
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Knowledge');
    db = openProjectDb(projectDir);
    await seedAdapterRun(db, projectDir, {
      name: 'spam knowledge',
      method: knowledge,
      modelDir: TINY_BERT,
      labels: ['ham', 'spam'],
      seed: 1,
    });
    await seedAdapterRun(db, projectDir, {
      name: 'names knowledge',
      method: knowledge,
      modelDir: TINY_BERT,
      dataset: 'first-names',
      labels: ['female', 'male'],
      seed: 2,
    });

    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-path').fill(TINY_BERT);
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('bert').waitFor();
    await page.getByTestId('sample').selectOption('first-names');
    await page.getByTestId('method').selectOption({ label: 'K-Adapter (knowledge adapters)' });
    expect(await page.getByTestId('method-help').textContent()).toContain('small transformer stack');
    const picker = page.getByTestId('knowledge-picker');
    await picker.waitFor();
    expect(await page.getByTestId('knowledge-mode').textContent()).toContain(
      'trains a new knowledge adapter',
    );
    // The options come with their help; the recorded sources are not a field.
    const layers = page.locator('label[data-field="layers"]');
    expect(await layers.textContent()).toContain('The encoder layers (0-based)');
    expect(await page.locator('label[data-field="sources"]').count()).toBe(0);
    await layers.getByRole('textbox').fill('0, 1');
    await page.locator('label[data-field="adapterSize"]').getByRole('spinbutton').fill('8');
    await page.locator('label[data-field="heads"]').getByRole('spinbutton').fill('2');
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    await expect
      .poll(async () => JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}').method)
      // What was typed reaches the config (New run may also carry options remembered from the project's last run).
      .toMatchObject({ type: 'k-adapter', layers: [0, 1], adapterSize: 8, heads: 2 });
    await screenshot(page, 'k-adapter-01-new-knowledge-adapter');

    expect(await picker.getByRole('checkbox').count()).toBe(2);
    await page.getByRole('checkbox', { name: 'Combine #1 spam knowledge' }).check();
    await page.getByRole('checkbox', { name: 'Combine #2 names knowledge' }).check();
    expect(await page.getByTestId('knowledge-mode').textContent()).toContain(
      'combines 2 frozen knowledge adapter(s)',
    );
    // The CLI config stays open and follows the form.
    await expect
      .poll(
        async () =>
          JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}').method?.knowledge,
      )
      .toEqual([1, 2]);
    // The target that needs both adapters' knowledge (a name's gender and an e-mail's spam) is a built-in sample.
    const namedMail = page.getByTestId('sample').locator('option[value="named-mail"]');
    expect(await namedMail.textContent()).toContain('Named e-mails: gender and spam');
    await page.getByTestId('sample').selectOption('named-mail');
    await expect
      .poll(async () => JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}').dataset)
      .toEqual({ sample: 'named-mail' });
    await page.getByLabel('Max length (tokens)').fill('12');
    await page.getByTestId('max-steps').fill('6');
    await screenshot(page, 'k-adapter-02-combine');
    await page.getByTestId('start-run').click();
    await page.getByTestId('run-status').getByText('completed').waitFor({ timeout: 240_000 });
    // The run is named after the sample's title, as the user picked it.
    await page.getByRole('heading', { name: /k-adapter on Named e-mails: gender and spam/ }).waitFor();
    const config = JSON.parse((await page.getByTestId('run-config').textContent()) ?? '{}') as {
      dataset?: unknown;
      method?: { knowledge?: unknown };
    };
    expect(config.dataset).toEqual({ sample: 'named-mail' });
    expect(config.method?.knowledge).toHaveLength(2);
    await screenshot(page, 'k-adapter-03-combination-trained');
    expect(errors).toEqual([]);
  });
});
