/**
 * The Electron window's security decisions as plain functions (no `electron` import), so they are unit-tested
 * without an Electron binary; main.ts wires them to the window's events.
 */
import { CALL_NAMES } from '../../src-shared/contract.ts';
import type { CallName } from '../../src-shared/contract.ts';

export const APP_ORIGIN = 'studio://app';

/** Our own bundle, served by the `studio:` protocol handler: the only thing a window may show. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'studio:' && u.host === 'app';
  } catch {
    return false;
  }
}

/**
 * Sites a link in the UI may open in the user's browser (model cards, docs, the project's repository): https
 * only, exact host names. Anything else (file:, smb:, custom schemes that start programs) is refused.
 */
const EXTERNAL_HOSTS = new Set(['huggingface.co', 'github.com', 'adapterhub.ml', 'docs.adapterhub.ml']);

export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      u.protocol === 'https:' && EXTERNAL_HOSTS.has(u.hostname) && u.username === '' && u.password === ''
    );
  } catch {
    return false;
  }
}

/**
 * Permissions (camera, microphone, geolocation, notifications, ...) are refused by default; the UI needs only to
 * write to the clipboard (copy buttons), and only from our own page.
 */
const GRANTED = new Set(['clipboard-sanitized-write']);

export function isPermissionGranted(permission: string, requestingUrl: string): boolean {
  return GRANTED.has(permission) && isAppUrl(requestingUrl);
}

/**
 * The calls the preload offers and main answers from a window: what the UI uses (test/main/electron checks that
 * against src-renderer). `projects:details` (the CLI's and tests' view of a project) is not needed in a window.
 */
const NOT_FROM_WINDOW: ReadonlySet<CallName> = new Set<CallName>(['projects:details']);
export const WINDOW_CALLS: readonly CallName[] = CALL_NAMES.filter((c) => !NOT_FROM_WINDOW.has(c));

export const isWindowCall = (name: string): name is CallName =>
  (WINDOW_CALLS as readonly string[]).includes(name);
