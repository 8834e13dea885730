/**
 * Web-mode probes: what a page served by another local program (or a rebinding DNS name) could send to a studio
 * on 127.0.0.1. Each probe must be refused, and the server must still answer its own page afterwards.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tokenCookie } from '../../src-main/server/auth.ts';
import { startWebServer } from '../../src-main/server/web-server.ts';
import type { RunningWebServer } from '../../src-main/server/web-server.ts';
import { serviceTestContext } from '../helpers/service-context.ts';

const { ctx, handlers, dir } = serviceTestContext('studio-probes-');
let server: RunningWebServer;
beforeAll(async () => {
  const renderer = path.join(dir, 'renderer');
  fs.mkdirSync(renderer, { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  server = await startWebServer({ handlers, events: ctx.events, rendererDir: renderer });
});
afterAll(() => server.close());

const origin = () => `http://127.0.0.1:${server.port}`;
const evil = () => `http://127.0.0.1:${server.port + 1}`;
const cookie = () => `${tokenCookie(server.port)}=${encodeURIComponent(server.token)}`;
const victimDir = () => path.join(dir, 'made-by-probe');
const createBody = () => JSON.stringify({ name: 'pwned', parentDir: victimDir() });

/** One raw HTTP exchange (for what fetch refuses to send): the status code, or 0 if the socket just closed. */
function raw(request: string): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: server.port }, () => s.write(request));
    let data = '';
    s.on('data', (d) => (data += d.toString()));
    s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0)));
    s.on('error', () => resolve(0));
  });
}

const upgrade = (target: string, headers: Record<string, string>) =>
  raw(
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      '\r\n',
  );

/** The server still serves its own page and answers a proper call. */
async function healthy(): Promise<void> {
  expect((await fetch(`${origin()}/?token=${server.token}`)).status).toBe(200);
  const res = await fetch(`${origin()}/api/call/projects:list`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(200);
  expect(fs.existsSync(victimDir())).toBe(false);
}

describe('web-mode probes (each refused, the server still healthy)', () => {
  const post = (headers: Record<string, string>, body = createBody()) =>
    fetch(`${origin()}/api/call/projects:create`, { method: 'POST', headers, body });

  it('a page of another 127.0.0.1 port calling with our cookie (form post, text/plain, no-cors shapes)', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data']) {
      const res = await post({ origin: evil(), cookie: cookie(), 'content-type': contentType });
      expect([401, 403]).toContain(res.status);
    }
    // The same with no Origin (a form post from a sandboxed frame sends `null`) and the cookie only.
    expect([401, 403]).toContain((await post({ origin: 'null', cookie: cookie() })).status);
    expect((await post({ cookie: cookie(), 'content-type': 'text/plain' })).status).toBe(401);
    await healthy();
  });

  it('a page of another origin that somehow knows the token is still refused', async () => {
    const res = await post({ origin: evil(), authorization: `Bearer ${server.token}` });
    expect(res.status).toBe(403);
    await healthy();
  });

  it('the token in the URL opens the page, not the calls', async () => {
    const res = await fetch(`${origin()}/api/call/projects:create?token=${server.token}`, {
      method: 'POST',
      body: createBody(),
    });
    expect(res.status).toBe(401);
    await healthy();
  });

  it('a rebinding DNS name (foreign Host) on calls and on the event stream', async () => {
    const status = await raw(
      `POST /api/call/projects:list HTTP/1.1\r\nHost: evil.example:${server.port}\r\nAuthorization: Bearer ${server.token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(status).toBe(403);
    const ws = await raw(
      `GET /api/events?token=${server.token} HTTP/1.1\r\nHost: evil.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(ws).toBe(403);
    await healthy();
  });

  it('the event stream: foreign Origin, cookie only, malformed cookie, unparsable URL', async () => {
    expect(await upgrade(`/api/events?token=${server.token}`, { Origin: evil() })).toBe(403);
    expect(await upgrade('/api/events', { Cookie: cookie() })).toBe(401);
    expect(await upgrade('/api/events', { Cookie: `${tokenCookie(server.port)}=%E0%A4%A` })).toBe(401);
    expect(await upgrade('/api/events', { Cookie: 'studio_token=%' })).toBe(401);
    expect(await upgrade('//[', {})).toBe(400);
    await healthy();
    // The studio's own page still gets its events.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`, {
      origin: origin(),
    });
    await new Promise((r, j) => {
      ws.on('open', r);
      ws.on('error', j);
    });
    ws.close();
  });

  it('malformed cookies and URLs on plain HTTP', async () => {
    expect(
      (await fetch(`${origin()}/`, { headers: { cookie: `${tokenCookie(server.port)}=%` } })).status,
    ).toBe(401);
    const bad = await raw(`GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
    expect(bad).toBe(400);
    await healthy();
  });

  it('cookies are scoped to this studio by name: another studio port`s cookie opens nothing', async () => {
    const res = await fetch(`${origin()}/`, {
      headers: { cookie: `${tokenCookie(server.port + 1)}=${server.token}; studio_token=${server.token}` },
    });
    expect(res.status).toBe(401);
    const page = await fetch(`${origin()}/?token=${server.token}`);
    expect(page.headers.get('set-cookie')).toMatch(
      new RegExp(`^${tokenCookie(server.port)}=[^;]+; HttpOnly; SameSite=Strict; Path=/$`),
    );
    await healthy();
  });

  it('bodies over the limit are refused with 413', async () => {
    const res = await fetch(`${origin()}/api/call/projects:list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: 'x'.repeat(9 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    await healthy();
  });
});
