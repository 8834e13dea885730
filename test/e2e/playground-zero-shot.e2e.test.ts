/**
 * Zero-shot in the playground (web mode): a CLIP folder added on the Models page is offered on the Adapters page
 * before it has any adapter; an image and a label list give every label ranked with its probability, the same
 * numbers the engine computes for that image and those prompts.
 */
import path from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { zeroShot } from '../../src-main/inference/zero-shot.ts';
import { decodeImageBytes } from '../../src-main/data/images.ts';
import { STUDIO_CLIP_DIR } from '../../src-main/models/default-model.ts';
import { loadModel } from '../../src-main/models/index.ts';
import { loadTokenizer } from '../../src-main/models/tokenizer/index.ts';
import { useTestBackend } from '../helpers/backend.ts';
import { writeClipFolder } from '../helpers/clip-folder.ts';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-zero-shot-');
beforeAll(useTestBackend);

/** A 40x40 PNG: red on the left half, blue on the right. */
function twoColours(): Buffer {
  const p = new PNG({ width: 40, height: 40 });
  for (let y = 0; y < 40; y++)
    for (let x = 0; x < 40; x++) p.data.set(x < 20 ? [255, 0, 0, 255] : [0, 0, 255, 255], (y * 40 + x) * 4);
  return PNG.sync.write(p);
}

describe('zero-shot in the playground (web mode)', () => {
  it('ranks the labels of an image on a CLIP base with no adapters', async () => {
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Zero shot');
    const clip = writeClipFolder(session.dir);

    await mainNav(page).getByRole('link', { name: 'Models' }).click();
    await page.getByTestId('add-model-path').fill(clip);
    await page.getByTestId('add-model').click();
    await page.getByTestId('model-list').getByText(clip).first().waitFor();

    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    const radio = page.getByRole('radio', { name: `On ${clip}` });
    await radio.waitFor();
    // The bundled CLIP is the first CLIP base offered; the added folder is picked like any base.
    await radio.check();
    expect(await page.getByTestId('no-adapters').count()).toBe(0);

    const png = twoColours();
    await page
      .getByTestId('playground-image')
      .setInputFiles({ name: 'flag.png', mimeType: 'image/png', buffer: png });
    const predict = page.getByTestId('playground-predict');
    // One label is not a choice: the button waits for two.
    await page.getByTestId('playground-labels').fill('red square');
    expect(await predict.isDisabled()).toBe(true);
    await page.getByTestId('playground-labels').fill('red square, blue circle, green star');
    await page.getByTestId('playground-template').fill('a drawing of a {label}');
    await predict.click();

    const base = page.getByTestId('prediction-base');
    await base.getByRole('listitem').nth(2).waitFor();
    const shown = (await base.getByRole('listitem').allInnerTexts()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    );
    await screenshot(page, '48-playground-zero-shot');

    // The engine's own answer for the same image, labels and template.
    const model = loadModel(clip);
    const [ranked] = await zeroShot({
      model,
      tok: loadTokenizer(clip),
      dir: clip,
      images: [decodeImageBytes('flag.png', png)],
      labels: ['red square', 'blue circle', 'green star'],
      template: 'a drawing of a {label}',
    });
    model.dispose();
    expect(shown).toEqual(ranked?.map((s) => `${s.label} ${(100 * s.probability).toFixed(1)}%`));
    expect(errors).toEqual([]);
  });

  it('classifies a generated picture out of the box on the CLIP the studio ships', async () => {
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Shipped CLIP');
    await mainNav(page).getByRole('link', { name: 'Models' }).click();
    await page.getByTestId('model-studio-clip-small').getByText('studio-clip-small (bundled)').waitFor();
    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    const radio = page.getByRole('radio', { name: 'On studio-clip-small' });
    await radio.waitFor();
    expect(await radio.isChecked()).toBe(true);
    // A held-out picture of the model's card (transformers called it a triangle, as the studio must).
    const file = path.join(STUDIO_CLIP_DIR, 'zero-shot', '2-triangle.png');
    await page.getByTestId('playground-image').setInputFiles(file);
    await page.getByTestId('playground-labels').fill('circle, square, triangle, diamond, cross, ring');
    await page.getByTestId('playground-predict').click();
    const base = page.getByTestId('prediction-base');
    await base.getByRole('listitem').nth(5).waitFor();
    const first = (await base.getByRole('listitem').first().innerText()).replace(/\s+/g, ' ').trim();
    expect(first).toMatch(/^triangle \d+\.\d%$/);
    await screenshot(page, 'zero-shot-shipped-clip');
    expect(errors).toEqual([]);
  });

  it('New run offers CLIP-Adapter, with its options and help, for a CLIP base only', async () => {
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Clip adapter form');
    const clip = writeClipFolder(session.dir, 'clip-for-form');
    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    const clipOption = page.getByTestId('method').locator('option[value="clip-adapter"]');

    await page.getByTestId('model-path').fill(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('bert').waitFor();
    expect(await clipOption.count()).toBe(0);

    await page.getByTestId('model-path').fill(clip);
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('clip').first().waitFor();
    await clipOption.waitFor({ state: 'attached' });
    await page.getByTestId('method').selectOption('clip-adapter');
    await page.getByLabel('Residual ratio alpha').waitFor();
    expect(await page.getByLabel('Residual ratio alpha').inputValue()).toBe('0.2');
    await page.getByText('Which features get an adapter').first().waitFor();
    await screenshot(page, '49-new-run-clip-adapter');
    expect(errors).toEqual([]);
  });
});
