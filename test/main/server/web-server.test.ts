import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer } from '../../../src-main/server/web-server.ts';
import type { RunningWebServer } from '../../../src-main/server/web-server.ts';
import { createServiceContext } from '../../../src-main/services/context.ts';
import type { ServiceContext } from '../../../src-main/services/context.ts';
import { createHandlers } from '../../../src-main/services/handlers.ts';
import { tempDir } from '../../helpers/temp.ts';

let server: RunningWebServer;
let ctx: ServiceContext;
const tmp = tempDir();

beforeAll(async () => {
  const renderer = path.join(tmp.dir, 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(renderer, 'assets/app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(tmp.dir, 'secret.txt'), 'secret');
  ctx = createServiceContext({ mode: 'web', version: '0.0.0-test', userDataDir: path.join(tmp.dir, 'home') });
  server = await startWebServer({ handlers: createHandlers(ctx), events: ctx.events, rendererDir: renderer });
});
afterAll(async () => {
  await server.close();
  ctx.projects.close();
  tmp.cleanup();
});

const base = () => `http://127.0.0.1:${server.port}`;
const callApi = (name: string, body: unknown, token: string | null = server.token) =>
  fetch(`${base()}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('web server', () => {
  it('prints a URL with the token that loads the page', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('set-cookie')).toContain('HttpOnly');
  });

  it('rejects requests without the token or with a wrong one', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(401);
    expect((await fetch(`${base()}/assets/app.js`)).status).toBe(401);
    expect((await callApi('projects:list', {}, null)).status).toBe(401);
    expect((await callApi('projects:list', {}, 'x'.repeat(32))).status).toBe(401);
    expect((await fetch(`${base()}/?token=wrong`)).status).toBe(401);
  });

  it('refuses the event stream without the token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`);
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('error', (e) => resolve(e.message));
    });
    expect(outcome).toMatch(/401/);
  });

  it('binds to loopback only', async () => {
    expect(server.host).toBe('127.0.0.1');
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) {
      const err = await new Promise<string>((resolve) => {
        const s = net.connect({ host: external.address, port: server.port }, () => resolve('connected'));
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(err).toBe('ECONNREFUSED');
    }
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: server.port }, () => {
        s.write(
          `GET /?token=${server.token} HTTP/1.1\r\nHost: evil.example:${server.port}\r\nConnection: close\r\n\r\n`,
        );
      });
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('end', () => resolve(Number(data.split(' ')[1])));
      s.on('error', reject);
    });
    expect(status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    const res = await fetch(`${base()}/..%2fsecret.txt?token=${server.token}`);
    expect([403, 404]).toContain(res.status);
    expect(await res.text()).not.toContain('secret');
  });

  it('runs contract calls and validates their arguments', async () => {
    const created = await callApi('projects:create', {
      name: 'Web test',
      parentDir: path.join(tmp.dir, 'p'),
    });
    expect(created.status).toBe(200);
    const { value } = (await created.json()) as { value: { path: string; name: string } };
    expect(value.name).toBe('Web test');
    expect(fs.existsSync(path.join(value.path, 'studio.db'))).toBe(true);

    // A refused call answers 200 with `{ error }`: a 4xx would be a console error on the page for a form message.
    const bad = await callApi('projects:create', { name: '' });
    expect(bad.status).toBe(200);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid-args');

    const extra = await callApi('projects:list', { sneaky: 1 });
    expect(extra.status).toBe(200);
    expect(((await extra.json()) as { error: { code: string } }).error.code).toBe('invalid-args');

    // Malformed requests keep 400: a call no page can name, a body that is not JSON.
    const unknown = await callApi('fs:readFile', {});
    expect(unknown.status).toBe(400);
    const notJson = await fetch(`${base()}/api/call/projects:list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: '{not json',
    });
    expect(notJson.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown-call');
  });

  it('answers 413 to an oversize body, with room for a dataset file on datasets:import only', async () => {
    const nineMb = 'x'.repeat(9 * 1024 * 1024);
    const big = await callApi('projects:list', { pad: nineMb });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toBe(
      'projects:list: request body too large (over 8.0 MB)',
    );
    // The same size reaches the datasets service, which answers about the project, not the body size.
    const upload = await callApi('datasets:import', {
      project: path.join(tmp.dir, 'nowhere'),
      name: 'a.csv',
      contentBase64: Buffer.from(nineMb).toString('base64'),
    });
    expect(upload.status).toBe(200);
    expect(((await upload.json()) as { error: { message: string } }).error.message).toMatch(
      /no studio\.db here/,
    );
  });

  it('pushes contract events over the WebSocket', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`);
    await new Promise((r) => ws.on('open', r));
    const got = new Promise<{ name: string }>((resolve) =>
      ws.on('message', (m) => resolve(JSON.parse(String(m)))),
    );
    await callApi('projects:create', { name: 'Evented', parentDir: path.join(tmp.dir, 'p') });
    expect((await got).name).toBe('projects:changed');
    ws.close();
  });
});
