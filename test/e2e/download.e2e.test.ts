import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, seedPeftLoraRun } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-download-');

describe('downloading an export in web mode', () => {
  it('exports a PEFT folder, downloads it as a .zip from the browser; no token, no download', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Downloads');
    const db = openProjectDb(projectDir);
    const lora = seedPeftLoraRun(db, projectDir);
    db.close();

    await mainNav(page).getByRole('link', { name: 'Export', exact: true }).click();
    await page.getByTestId('export-run').waitFor();
    await page.getByTestId('export-run').selectOption(String(lora));
    await expect.poll(() => page.getByTestId('format-peft').isDisabled()).toBe(false);
    await page.getByTestId('format-peft').check();
    const out = await page.getByTestId('export-out').inputValue();
    await page.getByTestId('export-go').click();
    await page.getByTestId('export-result').or(page.getByTestId('export-error')).waitFor();
    expect(await page.getByTestId('export-error').count()).toBe(0);

    const button = page.getByTestId('export-download');
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(download.suggestedFilename()).toBe(`${path.basename(out)}.zip`);
    const saved = path.join(session.dir, 'downloaded.zip');
    await download.saveAs(saved);
    const zip = unzipSync(new Uint8Array(fs.readFileSync(saved)));
    const top = path.basename(out);
    expect(Object.keys(zip).sort()).toEqual(
      ['README.md', 'adapter_config.json', 'adapter_model.safetensors'].map((f) => `${top}/${f}`),
    );
    // The very bytes the export wrote.
    expect(Buffer.from(zip[`${top}/adapter_model.safetensors`] as Uint8Array)).toEqual(
      fs.readFileSync(path.join(out, 'adapter_model.safetensors')),
    );
    await screenshot(page, '61-export-download');

    // Without the Bearer token the route refuses; outside the project it refuses too.
    const bare = new URL(session.studio.url);
    const route = (file: string) => {
      const u = new URL('/api/download', bare.origin);
      u.searchParams.set('project', projectDir);
      u.searchParams.set('path', file);
      return u;
    };
    expect((await fetch(route(out))).status).toBe(401);
    const token = bare.searchParams.get('token') as string;
    const ok = await fetch(route(out), { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const outside = route('/etc/passwd');
    const refused = await fetch(outside, { headers: { authorization: `Bearer ${token}` } });
    // A refusal answers 200 with JSON `{ error }` (no console error on the page); an export is never JSON.
    expect(refused.status).toBe(200);
    expect(refused.headers.get('content-type')).toBe('application/json');
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /only files inside the project folder/,
    );
    expect(errors).toEqual([]);
  }, 300_000);
});
