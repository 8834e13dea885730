import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR } from '../helpers/fixtures.ts';
import { screenshot } from './helpers/browser.ts';
import { openProjectDb, SEED_RUNS, seedRun } from './helpers/seed-runs.ts';
import { useStudioSession } from './helpers/session.ts';
import { createProject, mainNav, openStudioPage } from './helpers/steps.ts';

const session = useStudioSession('studio-e2e-download-');
const BASE = path.join(HF_TINY_DIR, 'bert-seqcls/base');

describe('downloading an export in web mode', () => {
  it('exports a PEFT folder, downloads it as a .zip from the browser; no token, no download', async () => {
    const { page, errors } = await openStudioPage(session);
    const projectDir = await createProject(page, 'Downloads');
    const db = openProjectDb(projectDir);
    const lora = seedRun(db, projectDir, SEED_RUNS.lora);
    const adapterDir = path.join(projectDir, `artifacts/run-${lora}/adapter`);
    fs.rmSync(adapterDir, { recursive: true });
    fs.cpSync(path.join(HF_TINY_DIR, 'bert-seqcls/lora'), adapterDir, { recursive: true });
    const row = db.prepare('SELECT config_json FROM runs WHERE id = ?').get(lora) as { config_json: string };
    const config = JSON.parse(row.config_json) as Record<string, unknown>;
    db.prepare('UPDATE runs SET config_json = ? WHERE id = ?').run(
      JSON.stringify({ ...config, model: BASE }),
      lora,
    );
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
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /only files inside the project folder/,
    );
    expect(errors).toEqual([]);
  }, 300_000);
});
