/**
 * Prompt tuning of CLIP's text tower end to end (web mode): New run offers prompt tuning for a CLIP base with its
 * registry help, a short run trains on a folder of images per class, and the Adapters page's zero-shot playground
 * ranks the labels with the trained prompt beside the base.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeClipFolder, writeColourImages } from '../helpers/clip-folder.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import {
  createProject,
  mainNav,
  openStudioPage,
  runToCompletion,
  tryFirstAdapterOn,
} from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-clip-prompt-');

describe('prompt tuning on a CLIP base (web mode)', () => {
  it('trains virtual tokens before the label prompts and uses them in the zero-shot playground', async () => {
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Clip prompt');
    const clip = writeClipFolder(session.dir);
    const images = path.join(session.dir, 'colours');
    const test = writeColourImages(images, 6, 5);

    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-path').fill(clip);
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('clip').first().waitFor();
    await page.getByLabel('A file (CSV, TSV, JSONL, JSON, TXT) or image folder').check();
    await page.getByTestId('dataset-path').fill(images);
    await page.getByTestId('method').selectOption('prompt');
    const help = page.getByTestId('method-help');
    await help.waitFor();
    expect(await help.textContent()).toContain("on CLIP: to the text tower's label prompts");
    // The schema's option with its help; the fixture's text tower has 16 positions, so a short prompt.
    await page.getByText('Trained embeddings put before the input').first().waitFor();
    await page.getByLabel('Virtual tokens').fill('4');
    await page.getByTestId('max-steps').fill('6');
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    await expect
      .poll(async () => JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}').method)
      .toEqual({ type: 'prompt', virtualTokens: 4 });
    await screenshot(page, 'clip-prompt-01-new-run');
    await runToCompletion(page);
    await screenshot(page, 'clip-prompt-02-run-completed');

    await tryFirstAdapterOn(page, clip);
    await page.getByTestId('playground-image').setInputFiles(test.red?.[0] as string);
    await page.getByTestId('playground-labels').fill('red, green, blue');
    await page.getByTestId('playground-predict').click();
    // The base and the prompt-tuned adapter each rank all three labels.
    for (const column of [
      page.getByTestId('prediction-base'),
      page.locator('[data-testid^="prediction-"]').nth(1),
    ]) {
      await column.getByRole('listitem').nth(2).waitFor({ timeout: 60_000 });
      const shown = await column.getByRole('listitem').allInnerTexts();
      expect(shown.map((t) => t.replace(/\s+/g, ' ').trim().split(' ')[0]).sort()).toEqual([
        'blue',
        'green',
        'red',
      ]);
    }
    await screenshot(page, 'clip-prompt-03-playground');
    expect(errors).toEqual([]);
  });
});
