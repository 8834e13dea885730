/**
 * Who may use a web-mode studio. Cookies have no port scope (and 127.0.0.1:<other port> is the same site), so a
 * page served by any other local program would carry our cookie: the cookie therefore only opens the page's own
 * static files. Calls need `Authorization: Bearer`, the event stream the token in its URL, and both refuse a
 * foreign Origin; every request must name a loopback Host of our port (DNS rebinding).
 */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie set on the first page load; its name carries the port so two studios never read each other's. */
export const tokenCookie = (port: number): string => `studio_token_${port}`;

export const newToken = (): string => crypto.randomBytes(24).toString('base64url');

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}

/** Where a request may carry the token: static files take all three, calls the header, the event stream the URL. */
export type TokenSource = 'query' | 'bearer' | 'cookie';

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      // A malformed cookie (a stray '%') is no token at all, never a crash.
      return undefined;
    }
  }
  return undefined;
}

/** The token a request carries through one of the allowed sources. */
export function requestToken(
  req: IncomingMessage,
  url: URL,
  port: number,
  allowed: readonly TokenSource[],
): string | undefined {
  const q = url.searchParams.get('token');
  if (q && allowed.includes('query')) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && allowed.includes('bearer')) return auth.slice(7);
  return allowed.includes('cookie') ? cookieValue(req, tokenCookie(port)) : undefined;
}

export const isAuthorized = (
  req: IncomingMessage,
  url: URL,
  token: string,
  port: number,
  allowed: readonly TokenSource[],
): boolean => {
  const given = requestToken(req, url, port, allowed);
  return given !== undefined && safeEqual(given, token);
};

const loopbackHosts = (port: number) => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];

/**
 * DNS-rebinding guard: a page on another origin that resolves to 127.0.0.1 would send its own Host header.
 * Only loopback host names are accepted.
 */
export function isLoopbackHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  return loopbackHosts(port).includes(hostHeader.toLowerCase());
}

/**
 * CSRF guard: a browser names the page that made a request in `Origin` (always for POST, fetch and WebSocket);
 * only the studio's own page may call. No Origin at all is a program (curl, the CLI's checks), not a page.
 */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return loopbackHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}
