/**
 * The serving API's HTTP listener: 127.0.0.1 only, on a port of its own (not a path of the web-mode server), with
 * the studio's token as a bearer header and web mode's Host and Origin checks (server/auth.ts).
 *
 * Why its own port: programs (curl, SDKs, OpenAI-style clients that expect `/v1/...` at the root of a base URL)
 * are its users, not the studio page; the Settings switch starts and stops it without touching the UI's server (in
 * the Electron window there is no web server at all); and a request stream against it never queues behind the
 * UI's own connections. The UI's calls stay on `/api/call/*` of the web server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAllowedOrigin, isAuthorized, isLoopbackHost } from '../node-shared/loopback-auth.ts';
import { describeUserFacing, jsonSyntaxProblem } from '../errors.ts';
import { ApiRefusal, errorType } from './errors.ts';
import { EventStream, SSE_DONE, sseEvent } from './sse.ts';
import { ROUTES } from './routes/index.ts';
import type { ApiContext, ApiRoute } from './routes/route.ts';

const MAX_BODY = 1024 * 1024;

export interface RunningApiServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/** OpenAI's error shape (message, type, param, code), which OpenAI clients read and raise from. */
const errorBody = (status: number, code: string, message: string, param: string | null = null) => ({
  error: { message, type: errorType(status), param, code },
});

const fail = (
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers = {},
  param: string | null = null,
) => send(res, status, errorBody(status, code, message, param), headers);

/** A handler's error as the API answers it, or null for an internal error (logged, answered 500). */
function refusalOf(
  err: unknown,
): { status: number; code: string; message: string; param: string | null } | null {
  if (err instanceof ApiRefusal)
    return {
      status: err.status,
      code: err.detail.code ?? (err.status === 503 ? 'busy' : 'refused'),
      message: err.message,
      param: err.detail.param ?? null,
    };
  const message = describeUserFacing(err);
  return message === undefined ? null : { status: 400, code: 'refused', message, param: null };
}

/**
 * Writes a streamed answer. An error before the first event is thrown (the caller answers it with its status);
 * after it, the status is sent already: it goes out as an event with the error body, as OpenAI's streams carry
 * errors, and the stream ends without [DONE].
 */
async function stream(res: http.ServerResponse, answer: EventStream, gone: AbortSignal): Promise<void> {
  let open = false;
  const emit = (data: unknown) => {
    if (!open) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        connection: 'keep-alive',
      });
      open = true;
    }
    if (!gone.aborted) res.write(sseEvent(data));
  };
  try {
    await answer.produce(emit, gone);
  } catch (err) {
    if (!open) throw err;
    const r = refusalOf(err);
    if (!r) console.error('[studio] API stream failed:', err);
    emit(r ? errorBody(r.status, r.code, r.message, r.param) : errorBody(500, 'internal', 'internal error'));
    res.end();
    return;
  }
  if (!open) emit([]);
  res.end(SSE_DONE);
}

/** The route and its path parameters for a path, or the routes that have the path under another method. */
function match(
  method: string,
  pathname: string,
): { route?: ApiRoute; params: Record<string, string>; other: boolean } {
  let other = false;
  for (const r of ROUTES) {
    const names: string[] = [];
    const re = new RegExp(`^${r.path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
    const m = re.exec(pathname);
    if (!m) continue;
    if (r.method !== method) {
      other = true;
      continue;
    }
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] as string)));
    return { route: r, params, other };
  }
  return { params: {}, other };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiRefusal(413, 'request body too large (over 1 MB)'));
        req.pause();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function parseBody(route: ApiRoute, req: http.IncomingMessage): Promise<unknown> {
  if (!route.body) return undefined;
  const text = await readBody(req);
  let raw: unknown;
  try {
    raw = text ? JSON.parse(text) : {};
  } catch (err) {
    throw new ApiRefusal(400, `request body: ${jsonSyntaxProblem(err, text)}`);
  }
  const parsed = route.body.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiRefusal(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export async function startApiServer(opts: {
  ctx: Omit<ApiContext, 'baseUrl'>;
  token: string;
  /** 0 or absent: a free port. */
  port?: number;
}): Promise<RunningApiServer> {
  const host = '127.0.0.1';
  let port = 0;
  const ctx: ApiContext = { ...opts.ctx, baseUrl: () => `http://${host}:${port}` };
  const server = http.createServer((req, res) => {
    void (async () => {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', `http://${host}`);
      } catch {
        return fail(res, 400, 'bad-request', 'bad request target');
      }
      if (!isLoopbackHost(req.headers.host, port)) return fail(res, 403, 'forbidden', 'forbidden host');
      // No browser page may call it (CSRF): only programs, which send no Origin.
      if (req.headers.origin !== undefined && !isAllowedOrigin(req.headers.origin, port))
        return fail(res, 403, 'forbidden', 'forbidden origin');
      const { route, params, other } = match(req.method ?? 'GET', url.pathname);
      if (!route?.public && !isAuthorized(req, url, opts.token, port, ['bearer']))
        return fail(
          res,
          401,
          'invalid_api_key',
          'missing or wrong token: send Authorization: Bearer <token> (the studio token)',
        );
      if (!route)
        return other
          ? fail(res, 405, 'method-not-allowed', `${req.method} is not allowed on ${url.pathname}`)
          : fail(res, 404, 'not-found', `no such endpoint: ${url.pathname} (GET /openapi.json lists them)`);
      // 'close' comes when the answer ended, or when the client dropped the connection before: then the work for
      // it stops (a generation would otherwise run on to max_tokens for nobody, holding the serving process).
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      try {
        const body = await parseBody(route, req);
        const answer = await route.handle(ctx, { body, params, signal: gone.signal });
        if (answer instanceof EventStream) await stream(res, answer, gone.signal);
        else send(res, 200, answer);
      } catch (err) {
        const r = refusalOf(err);
        if (!r) throw err;
        if (r.status === 413) res.once('finish', () => req.destroy());
        const retry = err instanceof ApiRefusal ? err.retryAfterS : undefined;
        return fail(
          res,
          r.status,
          r.code,
          r.message,
          {
            ...(retry !== undefined ? { 'retry-after': String(retry) } : {}),
            ...(r.status === 413 ? { connection: 'close' } : {}),
          },
          r.param,
        );
      }
    })().catch((err: unknown) => {
      console.error('[studio] API request failed:', err);
      if (!res.headersSent) fail(res, 500, 'internal', 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
