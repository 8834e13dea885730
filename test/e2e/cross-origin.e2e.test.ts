/**
 * A page served by another local program (another 127.0.0.1 port) in the same browser as an open studio: it tries
 * what such a page can do — a no-cors `text/plain` POST and a form post to `projects:create` (the browser adds the
 * studio's cookie: cookies have no port scope) and a WebSocket to the event stream. Nothing may get through, and
 * the studio tab keeps working.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';
import { launchBrowser, screenshot } from './helpers/browser.ts';
import { startStudio } from './helpers/studio-server.ts';
import type { StudioProcess } from './helpers/studio-server.ts';

const home = tempDir('studio-e2e-xorigin-');
const env = { STUDIO_HOME: path.join(home.dir, 'home') };
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let studio: StudioProcess;
let evil: http.Server;

const evilPage = (target: string) => `<!doctype html><title>evil</title><pre id="out">running</pre>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="POST" enctype="text/plain" target="sink" action="${target}/api/call/projects:create">
<input name='{"name":"pwned-form","x":"' value='"}'></form>
<script>
const out = {};
const show = () => (document.getElementById('out').textContent = JSON.stringify(out));
fetch('${target}/api/call/projects:create', {
  method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'pwned-fetch' }),
}).then(() => (out.fetch = 'sent'), () => (out.fetch = 'blocked')).finally(show);
const ws = new WebSocket('${target.replace('http', 'ws')}/api/events');
ws.onopen = () => { out.ws = 'open'; show(); };
ws.onerror = () => { out.ws = 'refused'; show(); };
document.getElementById('f').submit();
</script>`;

beforeAll(async () => {
  browser = await launchBrowser();
  studio = await startStudio(env);
  const target = new URL(studio.url).origin;
  evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(evilPage(target));
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await studio?.stop();
  evil?.close();
  await browser?.close();
  home.cleanup();
});

describe('a page of another local origin', () => {
  it('cannot create a project or read the event stream, and the studio keeps working', async () => {
    const context = await browser.browser.newContext();
    const tab = await context.newPage();
    await tab.goto(studio.url); // the studio sets its cookie in this browser
    await tab.getByTestId('no-projects').waitFor();

    const attacker = await context.newPage();
    await attacker.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    await expect.poll(async () => attacker.locator('#out').textContent()).toMatch(/"ws":"refused"/);
    await expect.poll(async () => attacker.locator('#out').textContent()).toMatch(/"fetch":/);
    // Give the form post its round trip too before looking.
    await attacker.waitForTimeout(1000);
    await screenshot(attacker, 'xorigin-01-attacker-refused');

    const projects = path.join(env.STUDIO_HOME, 'projects');
    const made = fs.existsSync(projects) ? fs.readdirSync(projects) : [];
    expect(made.filter((d) => d.startsWith('pwned'))).toEqual([]);

    // The studio tab still calls its services (its own Origin, the token as a header).
    await tab.reload();
    await tab.getByTestId('project-name').fill('Still mine');
    await tab.getByTestId('create-project').click();
    await tab.getByTestId('current-project').getByText('Still mine').waitFor();
    await screenshot(tab, 'xorigin-02-studio-still-works');
    await context.close();
  });
});
