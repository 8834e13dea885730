/**
 * The only module that talks to main. Inside Electron it uses the preload's bridge (`window.studio`); in a browser
 * (web mode) it uses HTTP + WebSocket with the token from the URL. Both are typed from the one contract.
 */
import type {
  CallArgs,
  CallError,
  CallName,
  CallResults,
  EventName,
  Events,
} from '../../src-shared/contract.ts';

/** The bridge the Electron preload exposes: one function per call, and an event subscription. */
export interface StudioBridge {
  calls: {
    [K in CallName]: (
      args: CallArgs<K>,
    ) => Promise<{ ok: true; value: CallResults[K] } | { ok: false; error: CallError }>;
  };
  on(listener: (name: EventName, payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    studio?: StudioBridge;
  }
}

/** A failed call, with the message main sent (already user-facing). */
export class ApiError extends Error {
  constructor(readonly error: CallError) {
    super(error.message);
  }
}

const TOKEN_KEY = 'studio-token';

/** The web-mode token: taken from `?token=` once, then kept for the tab's lifetime and removed from the URL. */
function webToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

let token: string | undefined;

async function callWeb<K extends CallName>(name: K, args: CallArgs<K>): Promise<CallResults[K]> {
  token ??= webToken();
  const res = await fetch(`./api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { value?: CallResults[K]; error?: CallError | string };
  // A refused call answers 200 with `{ error }` (web-server.ts); malformed, auth and size errors keep 4xx.
  if (!res.ok || body.error !== undefined) {
    const err =
      typeof body.error === 'string' ? { code: 'failed' as const, message: body.error } : body.error;
    throw new ApiError(err ?? { code: 'failed', message: `HTTP ${res.status}` });
  }
  return body.value as CallResults[K];
}

/** Calls a contract handler in main. */
export async function call<K extends CallName>(name: K, args: CallArgs<K>): Promise<CallResults[K]> {
  const bridge = window.studio;
  if (!bridge) return callWeb(name, args);
  const result = await bridge.calls[name](args);
  if (!result.ok) throw new ApiError(result.error);
  return result.value;
}

type Handler<K extends EventName> = (payload: Events[K]) => void;
const handlers = new Map<EventName, Set<Handler<never>>>();
let connected = false;

function deliver(name: EventName, payload: unknown): void {
  for (const h of handlers.get(name) ?? []) (h as (p: unknown) => void)(payload);
}

function connectWebEvents(): void {
  token ??= webToken();
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${proto}://${location.host}/api/events?token=${encodeURIComponent(token)}`);
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data)) as { name: EventName; payload: unknown };
    deliver(msg.name, msg.payload);
  };
  // Reconnect after a server restart; the page keeps working for calls meanwhile.
  ws.onclose = () => setTimeout(connectWebEvents, 2000);
}

/** Subscribes to a push event from main; returns the unsubscribe function. */
export function on<K extends EventName>(name: K, handler: Handler<K>): () => void {
  if (!connected) {
    connected = true;
    if (window.studio) window.studio.on(deliver);
    else connectWebEvents();
  }
  const set = handlers.get(name) ?? new Set();
  set.add(handler as Handler<never>);
  handlers.set(name, set);
  return () => set.delete(handler as Handler<never>);
}

/** Whether exports can be downloaded through the browser: web mode only (Electron has them on this disk). */
export const webDownloads = (): boolean => !window.studio;

/**
 * Downloads an export the studio wrote (web mode's `/api/download`, with the Bearer token like every call; a
 * folder comes as a .zip) and hands it to the browser as a file.
 */
export async function downloadExport(project: string, file: string): Promise<void> {
  const res = await fetch(`/api/download?${new URLSearchParams({ project, path: file }).toString()}`, {
    headers: { authorization: `Bearer ${webToken()}` },
  });
  // A refusal answers 200 with JSON `{ error }` (an export is never JSON); auth and route errors keep 4xx.
  const refused = res.headers.get('content-type')?.startsWith('application/json') ?? false;
  if (!res.ok || refused) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `download failed (${res.status})`);
  }
  const name = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name ? decodeURIComponent(name) : 'export.zip';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
