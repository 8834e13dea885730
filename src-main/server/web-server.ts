/**
 * Web mode: the renderer bundle and the same services behind HTTP + WebSocket on loopback only, guarded by a
 * random token. `POST /api/call/<name>` runs one contract call; `/api/events` streams the contract's events.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Handlers } from '../../src-shared/contract.ts';
import { MAX_DATASET_BYTES, formatMegabytes } from '../../src-shared/datasets.ts';
import { MAX_PLAYGROUND_IMAGE_BASE64 } from '../../src-shared/library.ts';
import { dispatch } from '../services/dispatch.ts';
import type { EventBus } from '../services/event-bus.ts';
import { isAllowedOrigin, isAuthorized, isLoopbackHost, newToken, tokenCookie } from './auth.ts';
import { CONTENT_SECURITY_POLICY } from './csp.ts';
import { serveStatic } from './static.ts';
import { attachment } from './download.ts';
import type { Download } from './download.ts';

export interface WebServerOptions {
  handlers: Handlers;
  events: EventBus;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
  /** 0 = a random free port. */
  port?: number;
  token?: string;
  /**
   * Web mode's export downloads (`GET /api/download?project=&path=`): the bytes to send, or a thrown user error.
   * Absent: the route answers 404.
   */
  download?: (project: string, file: string) => Download;
}

export interface RunningWebServer {
  url: string;
  port: number;
  host: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;
/**
 * Calls that carry a file get room for the largest dataset the Datasets page accepts, base64-encoded (4 bytes
 * per 3) plus the JSON around it; every other call keeps the small limit.
 */
const BODY_LIMITS: Record<string, number> = {
  'datasets:import': Math.ceil(MAX_DATASET_BYTES / 3) * 4 + 64 * 1024,
  // The playground's image, plus its text fields (each at most 100,000 characters) and the JSON around them.
  'playground:predict': MAX_PLAYGROUND_IMAGE_BASE64 + 512 * 1024,
};
export const bodyLimitFor = (call: string): number => BODY_LIMITS[call] ?? MAX_BODY;

/** A request body over its call's limit: answered 413 with a message the UI shows as is. */
class BodyTooLarge extends Error {}

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge(`request body too large (over ${formatMegabytes(limit)})`));
        // Stop buffering; the 413 is sent with connection: close and the socket dropped after it.
        req.pause();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

export async function startWebServer(opts: WebServerOptions): Promise<RunningWebServer> {
  const token = opts.token ?? newToken();
  // Loopback only: the studio trains on the user's files and must never be reachable from the network.
  const host = '127.0.0.1';
  let port = 0;

  /** The request's URL, or undefined for a target no URL can be made of (e.g. `//[`): answered 400. */
  const parseUrl = (req: http.IncomingMessage): URL | undefined => {
    try {
      return new URL(req.url ?? '/', `http://${host}`);
    } catch {
      return undefined;
    }
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = parseUrl(req);
      if (!url) return sendJson(res, 400, { error: 'bad request target' });
      if (!isLoopbackHost(req.headers.host, port)) return sendJson(res, 403, { error: 'forbidden host' });
      if (url.pathname.startsWith('/api/')) {
        if (!isAllowedOrigin(req.headers.origin, port))
          return sendJson(res, 403, { error: 'forbidden origin' });
        // Calls take the token from the Authorization header only: never the cookie (any local page would send
        // it) nor the URL (it would end up in logs and histories).
        if (!isAuthorized(req, url, token, port, ['bearer']))
          return sendJson(res, 401, { error: 'missing or wrong access token: send Authorization: Bearer' });
      } else if (!isAuthorized(req, url, token, port, ['query', 'bearer', 'cookie'])) {
        return sendJson(res, 401, {
          error: 'missing or wrong access token: open the URL the studio printed',
        });
      }
      if (url.pathname.startsWith('/api/call/')) {
        if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' });
        const name = url.pathname.slice('/api/call/'.length);
        let args: unknown;
        try {
          const text = await readBody(req, bodyLimitFor(name));
          args = text ? (JSON.parse(text) as unknown) : {};
        } catch (err) {
          const error = { code: 'invalid-args', message: `${name}: ${(err as Error).message}` };
          if (!(err instanceof BodyTooLarge)) return sendJson(res, 400, { error });
          res.setHeader('connection', 'close');
          res.once('finish', () => req.destroy());
          return sendJson(res, 413, { error });
        }
        const result = await dispatch(opts.handlers, name, args);
        if (result.ok) return sendJson(res, 200, { value: result.value });
        // A call the page cannot name is a malformed request (400). A well-formed call the service refuses (a
        // user mistake: bad field, UserError) answers 200 with `{ error }`, which api.ts reads: a 4xx makes
        // Chromium log "Failed to load resource" as a console error for what is an ordinary form message.
        return sendJson(res, result.error.code === 'unknown-call' ? 400 : 200, { error: result.error });
      }
      // Behind the Bearer check above: the page fetches it (api.ts downloadExport), a link could not prove itself.
      if (url.pathname === '/api/download') {
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'use GET' });
        if (!opts.download) return sendJson(res, 404, { error: 'downloads are not served here' });
        let d: Download;
        try {
          d = opts.download(url.searchParams.get('project') ?? '', url.searchParams.get('path') ?? '');
        } catch (err) {
          // A refusal (outside the project, no such file) for an authorised request: 200 with JSON `{ error }`
          // (an export is never application/json), so the page's console stays clean; see /api/call above.
          return sendJson(res, 200, { error: (err as Error).message });
        }
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'content-type': d.name.endsWith('.zip') ? 'application/zip' : 'application/octet-stream',
          'content-length': String(d.bytes.length),
          'content-disposition': attachment(d.name),
          'cache-control': 'no-store',
        });
        return res.end(d.bytes);
      }
      if (url.pathname.startsWith('/api/')) return sendJson(res, 404, { error: 'no such endpoint' });
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendJson(res, 405, { error: 'method not allowed' });
      // The page's own requests (scripts, styles) carry the token as an HttpOnly cookie set here; it opens
      // nothing but these files (see auth.ts).
      serveStatic(opts.rendererDir, url.pathname, res, {
        ...SECURITY_HEADERS,
        'set-cookie': `${tokenCookie(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      });
    })().catch((err: unknown) => {
      console.error('[studio] request failed:', err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  const refuse = (socket: Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    socket.destroy();
  };
  server.on('upgrade', (req, socket, head) => {
    // Nothing a client sends may take the server down: any failure here is a refusal.
    socket.on('error', () => socket.destroy());
    try {
      const url = parseUrl(req);
      if (!url) return refuse(socket, '400 Bad Request');
      if (!isLoopbackHost(req.headers.host, port) || !isAllowedOrigin(req.headers.origin, port))
        return refuse(socket, '403 Forbidden');
      // The event stream takes the token from its URL only (a browser WebSocket cannot set headers).
      if (url.pathname !== '/api/events' || !isAuthorized(req, url, token, port, ['query', 'bearer']))
        return refuse(socket, '401 Unauthorized');
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (err) {
      console.error('[studio] upgrade failed:', err);
      refuse(socket, '400 Bad Request');
    }
  });
  const unsubscribe = opts.events.subscribe((name, payload) => {
    const msg = JSON.stringify({ name, payload });
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(msg);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    host,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
