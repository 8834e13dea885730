/**
 * Issue #21 on the pages added after it was filed (web mode, Chromium):
 * - every page, loaded from scratch, and the newer views used as a user would (Compose tried, Experiments' sweep
 *   and shoot-out forms, the classification, generation and zero-shot playgrounds, Settings' serving switch on
 *   and off) logs no console error and no failed request;
 * - a refusal in the newer forms (Compose, Merge adapters, Experiments' sweep and shoot-out) names the field in
 *   words and sits beside it, never below the form as a raw schema message, and logs no console error (the
 *   server answers a refused call 200 with `{ error }`, not 400).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../src-renderer/lib/router.svelte.ts';
import { useTestBackend } from '../helpers/backend.ts';
import { writeClipFolder } from '../helpers/clip-folder.ts';
import { seedTwoTaskLibrary } from '../helpers/compose.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun, TINY_BERT } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-newer-pages-');
let db: Database | undefined;
afterAll(() => db?.close());

/** What a form refusal must never show: zod's wording, dotted paths, call names. */
const RAW = /Too small|Too big|Invalid input|expected |config\.|space\.|options\.|block\.|runs:|[<>]=/;

/** Console errors, uncaught exceptions and failed requests of a page. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${page.url()})`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  // A request cut short because the test loads another page is no error; any other failure is.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()}`);
  });
  return problems;
}

/** A completed run on the tiny BERT whose adapter folder holds the files of `from` (a real PEFT LoRA). */
function runWithAdapter(projectDir: string, name: string, from: string): number {
  const id = seedRun(db as Database, projectDir, { ...SEED_RUNS.lora, name, model: TINY_BERT });
  const dir = path.join(projectDir, 'artifacts', `run-${id}`, 'adapter');
  for (const f of ['adapter_config.json', 'adapter_model.safetensors'])
    fs.copyFileSync(path.join(from, f), path.join(dir, f));
  // The trainer records the adapter folder (the seed records its weights file).
  (db as Database)
    .prepare("UPDATE artifacts SET path = ? WHERE run_id = ? AND kind = 'adapter'")
    .run(path.relative(projectDir, dir), id);
  return id;
}

/** A 24x24 PNG, red on the left and blue on the right. */
function flag(): Buffer {
  const p = new PNG({ width: 24, height: 24 });
  for (let y = 0; y < 24; y++)
    for (let x = 0; x < 24; x++) p.data.set(x < 12 ? [255, 0, 0, 255] : [0, 0, 255, 255], (y * 24 + x) * 4);
  return PNG.sync.write(p);
}

/** The FieldError inside the same label (or row) as `input`, the field the user has to change. */
const errorBeside = (scope: Locator | Page, input: Locator, container = 'label'): Locator =>
  scope.locator(container, { has: input }).getByTestId('field-error');

let projectDir = '';
let runs: { a: number; b: number } = { a: 0, b: 0 };
const gpt2 = path.join(HF_TINY_DIR, 'gpt2-lm/base');
let clip = '';

describe('the newer pages (web mode)', () => {
  it('log no console error and no failed request, used as a user would', async () => {
    const { page } = await openStudioPage(session);
    const problems = watchConsole(page);
    projectDir = await createProject(page, 'Newer pages');
    db = openProjectDb(projectDir);
    const sources = path.join(OWN_FIXTURES_DIR, 'peft-merge/sources');
    runs = {
      a: runWithAdapter(projectDir, 'lora a', path.join(sources, 'a')),
      b: runWithAdapter(projectDir, 'lora b', path.join(sources, 'b')),
    };
    // Compositions take adapters trained in the studio: two of its own bottleneck adapters.
    await useTestBackend();
    const { spam, names } = await seedTwoTaskLibrary(db, projectDir, TINY_BERT);
    clip = writeClipFolder(session.dir);
    await mainNav(page).getByRole('link', { name: 'Models' }).click();
    for (const dir of [gpt2, clip]) {
      await page.getByTestId('add-model-path').fill(dir);
      await page.getByTestId('add-model').click();
      await page.getByTestId('model-list').getByText(dir).first().waitFor();
    }

    // Every page loaded from scratch with the project in its address, and a run's page.
    const origin = new URL(page.url()).origin;
    const withProject = `${origin}/?project=${encodeURIComponent(projectDir)}`;
    for (const target of [...PAGES.map((p) => `#/${p.id}`), `#/runs/${runs.a}`]) {
      await page.goto(`${withProject}${target}`);
      await page.reload();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await expect.poll(async () => page.getByTestId('opening-project').count()).toBe(0);
      expect(await page.getByTestId('no-project').count(), target).toBe(0);
    }

    // Compose: two library adapters tried in parallel.
    await mainNav(page).getByRole('link', { name: 'Compose' }).click();
    await page.getByRole('checkbox', { name: `Use #${spam} spam or ham` }).check();
    await page.getByRole('checkbox', { name: `Use #${names} names by gender` }).check();
    await page.getByRole('radio', { name: 'Parallel' }).check();
    await page.getByTestId('compose-text').fill('a lovely film');
    await page.getByRole('button', { name: 'Try in the playground' }).click();
    await page.getByTestId('prediction-composition/1').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('compose-error').count()).toBe(0);

    // Experiments: both forms opened.
    await mainNav(page).getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('button', { name: 'New sweep' }).click();
    await page.getByRole('form', { name: 'New sweep' }).waitFor();
    await page.getByRole('button', { name: 'Method shoot-out' }).click();
    await page.getByRole('form', { name: 'New shoot-out' }).getByTestId('shootout-count').waitFor();
    await screenshot(page, '90-experiments-forms');

    // Adapters: the classification playground (base and an adapter), then text generation on GPT-2.
    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    await page.getByRole('radio', { name: `On ${TINY_BERT}` }).check();
    await page.getByTestId(`try-${runs.a}`).check();
    await page.getByTestId('playground-text').fill('a lovely film');
    await page.getByTestId('playground-predict').click();
    await page.getByTestId(`prediction-${runs.a}`).waitFor({ timeout: 120_000 });
    const generation = page.getByRole('form', { name: 'Generation' });
    await page.getByTestId('generate-model').selectOption(gpt2);
    await page.getByTestId('generate-prompt').fill('Hello world');
    await generation.getByLabel('Max new tokens').fill('4');
    await page.getByTestId('generate').click();
    await page
      .getByTestId('generation-base')
      .getByTestId('generation-stats')
      .getByText(/\d+ tokens · stopped at/)
      .waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('generation-error').count()).toBe(0);
    await screenshot(page, '91-playgrounds-classify-generate');

    // Zero-shot on the CLIP base.
    await page.getByRole('radio', { name: `On ${clip}` }).check();
    await page
      .getByTestId('playground-image')
      .setInputFiles({ name: 'flag.png', mimeType: 'image/png', buffer: flag() });
    await page.getByTestId('playground-labels').fill('red square, blue circle');
    await page.getByTestId('playground-predict').click();
    await page.getByTestId('prediction-base').getByRole('listitem').nth(1).waitFor({ timeout: 120_000 });
    await screenshot(page, '92-playground-zero-shot');

    // Settings: the serving API switched on, then off.
    await mainNav(page).getByRole('link', { name: 'Settings' }).click();
    const sw = page.getByRole('switch');
    await sw.check();
    await page.getByTestId('serve-api-url').waitFor({ timeout: 60_000 });
    await screenshot(page, '93-settings-serving-on');
    await sw.uncheck();
    await page.getByTestId('serve-api-details').waitFor({ state: 'detached' });

    expect(problems).toEqual([]);
  }, 600_000);

  it('show a refusal in words beside its field in Compose, Merge adapters, sweep and shoot-out', async () => {
    const { page, errors } = await openStudioPage(session);
    // A refusal is an ordinary answer: the server says it with 200 and `{ error }`, so Chromium logs no
    // "Failed to load resource: ... 400" console error for a form message.
    const problems = watchConsole(page);
    // Every message shown, read while its page is open.
    const shown: string[] = [];
    const shownText = async (l: Locator) => {
      const text = (await l.textContent()) ?? '';
      shown.push(text);
      return text;
    };
    const origin = new URL(page.url()).origin;
    await page.goto(`${origin}/?project=${encodeURIComponent(projectDir)}#/compose`);
    await page.getByRole('heading', { name: 'Compose' }).waitFor();

    // Compose: a batch split that gives an adapter no rows.
    await page.getByRole('checkbox', { name: `Use #${runs.a} lora a` }).check();
    await page.getByRole('checkbox', { name: `Use #${runs.b} lora b` }).check();
    await page.getByRole('radio', { name: 'Batch split' }).check();
    const rows = page.getByRole('spinbutton', { name: `Rows for #${runs.b}` });
    await rows.fill('0');
    await page.getByRole('button', { name: 'Save to library' }).click();
    const rowsError = errorBeside(page, rows);
    await rowsError.waitFor({ timeout: 30_000 });
    expect(await shownText(rowsError)).toBe(`Rows for #${runs.b} must be greater than 0`);
    expect(await page.getByTestId('compose-error').count()).toBe(0);
    await screenshot(page, '94-compose-field-error');

    // Merge adapters: a weight left empty is named by its adapter, in its row.
    await mainNav(page).getByRole('link', { name: 'Adapters' }).click();
    await page.getByRole('radio', { name: `On ${TINY_BERT}` }).check();
    await page.getByRole('button', { name: 'Merge adapters' }).click();
    const merge = page.getByRole('form', { name: 'Merge adapters' });
    await merge.getByLabel('Merge lora a', { exact: true }).setChecked(true);
    await merge.getByLabel('Merge lora b', { exact: true }).setChecked(true);
    // Inner locators of `has` are page-rooted: they are matched inside each candidate row.
    const weight = page.getByLabel('Weight of lora b');
    await weight.fill('');
    await merge.getByRole('button', { name: /^Merge \d+ adapters$/ }).click();
    const weightError = errorBeside(merge, weight, 'tr');
    await weightError.waitFor({ timeout: 30_000 });
    expect(await shownText(weightError)).toBe(`Weight of #${runs.b} is required`);
    expect(await merge.getByTestId('merge-error').count()).toBe(0);
    await screenshot(page, '95-merge-field-error');

    // A sweep whose option has no values (random search keeps Start enabled): refused at that option's row.
    await mainNav(page).getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('button', { name: 'New sweep' }).click();
    const sweep = page.getByRole('form', { name: 'New sweep' });
    await sweep.getByLabel('Search').selectOption('random');
    const values = page.getByLabel('Values of option 1');
    await values.fill('');
    await sweep.getByRole('button', { name: 'Start sweep' }).click();
    const valuesError = errorBeside(sweep, values, '.row');
    await valuesError.waitFor({ timeout: 30_000 });
    expect(await shownText(valuesError)).toBe('Learning rate: give at least one value');
    expect(await sweep.getByTestId('sweep-error').count()).toBe(0);

    // A shoot-out fraction that is no percentage is named at once (it used to be dropped without a word).
    await page.getByRole('button', { name: 'Method shoot-out' }).click();
    const shootout = page.getByRole('form', { name: 'New shoot-out' });
    const fractions = page.getByLabel('Data fractions');
    await fractions.fill('10, 150');
    const fractionsError = errorBeside(shootout, fractions);
    await fractionsError.waitFor();
    expect(await shownText(fractionsError)).toBe(
      'Training data: 150 is not a percentage between 0 (excluded) and 100',
    );
    expect(await shootout.getByRole('button', { name: 'Start shoot-out' }).isDisabled()).toBe(true);
    await screenshot(page, '96-experiments-field-errors');

    for (const text of shown) expect(text).not.toMatch(RAW);
    expect(errors).toEqual([]);
    expect(problems).toEqual([]);
  }, 300_000);
});
