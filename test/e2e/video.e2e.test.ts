/**
 * Video end to end (web mode): New run offers the moving-shapes video sample and ST-Adapter with its options and
 * help on a ViT base; a short run trains; the Adapters page's playground takes the clip as a GIF and as frame
 * files and shows the adapter's prediction over the two motion classes. The shipped CLIP (studio-clip-small) is
 * offered ST-Adapter too (its vision tower is the frozen image model) and a short run on the sample completes; its
 * adapter, chosen on the CLIP base, takes a GIF in the playground with no label prompts and predicts a motion class.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeClip } from '../../src-main/data/video.ts';
import { SAMPLES_DIR } from '../../src-main/data/samples.ts';
import { PNG } from 'pngjs';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { tempDir } from '../helpers/temp.ts';
import { screenshot } from './helpers/browser.ts';
import { useStudioSession } from './helpers/session.ts';
import {
  createProject,
  mainNav,
  openStudioPage,
  runToCompletion,
  tryFirstAdapterOn,
} from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-video-');
const tmp = tempDir('studio-e2e-video-frames-');
afterAll(() => tmp.cleanup());

describe('video: ST-Adapter in New run and the playground (web mode)', () => {
  it('trains an ST-Adapter on the video sample and classifies a GIF and a set of frames', async () => {
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Video');
    const vit = path.join(HF_TINY_DIR, 'vit-imgcls/base');

    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-path').fill(vit);
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('vit').first().waitFor();
    await page.getByTestId('sample').selectOption('moving-shapes');
    await page.getByTestId('method').selectOption('st-adapter');
    const help = page.getByTestId('method-help');
    await help.waitFor();
    expect(await help.textContent()).toContain('depthwise 3-D convolution');
    // The schema's options, with their help.
    await page.getByLabel('Temporal kernel').waitFor();
    await page.getByLabel('Spatial kernel').waitFor();
    await page.getByText('Frames the depthwise 3-D convolution sees at once').waitFor();
    await page.getByLabel('Temporal kernel').fill('3');
    await page.getByTestId('max-steps').fill('10');
    await page.getByRole('button', { name: 'Show as CLI config' }).click();
    await expect
      .poll(async () => JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}').method?.type)
      .toBe('st-adapter');
    const config = JSON.parse((await page.getByTestId('cli-config').textContent()) ?? '{}') as {
      dataset: { sample?: string };
    };
    expect(config.dataset.sample).toBe('moving-shapes');
    await screenshot(page, 'video-01-new-run-st-adapter');
    await runToCompletion(page);
    await screenshot(page, 'video-02-run-completed');

    await tryFirstAdapterOn(page, vit);
    const gif = path.join(SAMPLES_DIR, 'moving-shapes', 'right-to-left', 'clip-001.gif');
    await page.getByTestId('playground-image').setInputFiles(gif);
    await page.getByText('clip-001.gif (video clip)').waitFor();
    await page.getByTestId('playground-predict').click();
    const column = page.locator('[data-testid^="prediction-"]').nth(1);
    await column.getByText('right-to-left').waitFor({ timeout: 60_000 });
    expect(await column.textContent()).toContain('left-to-right');
    await screenshot(page, 'video-03-playground-gif');

    // The same clip as eight PNG frames, chosen together.
    const frames = decodeClip(gif).map((f, i) => {
      const file = path.join(tmp.dir, `frame-00${i}.png`);
      const png = new PNG({ width: f.width, height: f.height });
      png.data.set(f.rgba);
      fs.writeFileSync(file, PNG.sync.write(png));
      return file;
    });
    await page.getByTestId('playground-image').setInputFiles(frames);
    await page.getByText('8 frames (frame-000.png …)').waitFor();
    await page.getByTestId('playground-predict').click();
    await page
      .getByTestId('playground-predict')
      .getByText(/^Predict/)
      .waitFor({ timeout: 60_000 });
    await column.getByText('right-to-left').waitFor();
    await screenshot(page, 'video-04-playground-frames');
    expect(errors).toEqual([]);
  });

  it('trains an ST-Adapter in the shipped CLIP vision tower on the video sample and classifies a GIF', async () => {
    const { page, errors } = await openStudioPage(session);
    await createProject(page, 'Video CLIP');
    await mainNav(page).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('model-path').fill('studio-clip-small');
    await page.getByTestId('model-path').press('Tab');
    await page.getByTestId('model-info').getByText('clip').first().waitFor();
    await page.getByTestId('sample').selectOption('moving-shapes');
    // Offered for a CLIP base (an image-text model) because its graph runs video through the vision tower.
    await page.getByTestId('method').selectOption('st-adapter');
    await page.getByLabel('Temporal kernel').waitFor();
    await page.getByTestId('max-steps').fill('3');
    await screenshot(page, 'video-05-new-run-clip-st-adapter');
    await runToCompletion(page);
    await screenshot(page, 'video-06-clip-run-completed');

    // The CLIP base with its video adapter chosen: a clip and no label prompts, the adapter's head answers.
    await tryFirstAdapterOn(page, 'studio-clip-small');
    await page.getByTestId('playground-clip-video').waitFor();
    expect(await page.getByTestId('playground-labels').count()).toBe(0);
    const gif = path.join(SAMPLES_DIR, 'moving-shapes', 'left-to-right', 'clip-000.gif');
    await page.getByTestId('playground-image').setInputFiles(gif);
    await page.getByText('clip-000.gif (video clip)').waitFor();
    await page.getByTestId('playground-predict').click();
    const base = page.locator('[data-testid^="prediction-"]').nth(0);
    const column = page.locator('[data-testid^="prediction-"]').nth(1);
    await column.getByText('left-to-right').waitFor({ timeout: 60_000 });
    expect(await column.textContent()).toContain('right-to-left');
    expect(await base.textContent()).toContain('no video head: the base alone cannot classify clips');
    expect(await page.getByTestId('playground-error').count()).toBe(0);
    await screenshot(page, 'video-07-clip-playground-gif');
    expect(errors).toEqual([]);
  });
});
