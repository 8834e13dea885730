import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PLAYGROUND_IMAGE_BASE64 } from '../../../src-shared/library.ts';
import { bodyLimitFor, startWebServer } from '../../../src-main/server/web-server.ts';
import type { RunningWebServer } from '../../../src-main/server/web-server.ts';
import { createServiceContext } from '../../../src-main/services/context.ts';
import type { ServiceContext } from '../../../src-main/services/context.ts';
import { createHandlers } from '../../../src-main/services/handlers.ts';
import { tempDir } from '../../helpers/temp.ts';

let server: RunningWebServer;
let ctx: ServiceContext;
const tmp = tempDir('studio-playground-body-');

beforeAll(async () => {
  const renderer = path.join(tmp.dir, 'renderer');
  fs.mkdirSync(renderer, { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  ctx = createServiceContext({ mode: 'web', version: '0.0.0-test', userDataDir: path.join(tmp.dir, 'home') });
  server = await startWebServer({ handlers: createHandlers(ctx), events: ctx.events, rendererDir: renderer });
});
afterAll(async () => {
  await server.close();
  ctx.projects.close();
  tmp.cleanup();
});

const predict = (imageBase64: string) =>
  fetch(`http://127.0.0.1:${server.port}/api/call/playground:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify({
      project: path.join(tmp.dir, 'nowhere'),
      model: 'default',
      runIds: [],
      imageBase64,
    }),
  });
const messageOf = async (res: Response) =>
  ((await res.json()) as { error: { message: string } }).error.message;

describe('the playground over HTTP (web mode)', () => {
  it('has room for the largest image the playground takes, where other calls keep the small limit', async () => {
    expect(bodyLimitFor('playground:predict')).toBeGreaterThan(MAX_PLAYGROUND_IMAGE_BASE64);
    expect(bodyLimitFor('projects:list')).toBeLessThan(MAX_PLAYGROUND_IMAGE_BASE64);
    // 12 MB of base64 is over the small limit; it reaches the service, which answers about the project.
    const big = await predict('A'.repeat(12 * 1024 * 1024));
    expect(big.status).toBe(200);
    expect(await messageOf(big)).toMatch(/no studio\.db here/);
  });

  it('refuses an image over the limit with a message that says so', async () => {
    const res = await predict('A'.repeat(MAX_PLAYGROUND_IMAGE_BASE64 + 4));
    expect(res.status).toBe(200);
    expect(await messageOf(res)).toBe('Image: the image is too large for the playground (at most 20 MiB)');
  });
});
