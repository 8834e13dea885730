/**
 * The Electron window's guards, without an Electron binary: the pure decisions (guards.ts), and main.ts run
 * against a stand-in `electron` module that records what it registers, so each handler is called as Electron
 * would call it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  WINDOW_CALLS,
  isAllowedExternal,
  isAppUrl,
  isPermissionGranted,
} from '../../../src-main/electron/guards.ts';
import { CALL_NAMES } from '../../../src-shared/contract.ts';
import { REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

type Listener = (...args: unknown[]) => unknown;
const fake = vi.hoisted(() => {
  const contentsEvents = new Map<string, (...args: unknown[]) => unknown>();
  const state = {
    contentsEvents,
    openHandler: undefined as undefined | ((d: { url: string }) => { action: string }),
    permissionRequest: undefined as undefined | ((...args: unknown[]) => void),
    permissionCheck: undefined as undefined | ((...args: unknown[]) => boolean),
    opened: [] as string[],
    singleInstanceAsked: false,
    userData: '',
  };
  class BrowserWindow {
    webContents = {
      on: (name: string, fn: (...args: unknown[]) => unknown) => contentsEvents.set(name, fn),
      setWindowOpenHandler: (fn: (d: { url: string }) => { action: string }) => (state.openHandler = fn),
      send: () => {},
    };
    on() {}
    loadURL() {
      return Promise.resolve();
    }
    static fromWebContents() {
      return null;
    }
  }
  const electron = {
    BrowserWindow,
    app: {
      whenReady: () => Promise.resolve(),
      requestSingleInstanceLock: () => ((state.singleInstanceAsked = true), true),
      on: () => {},
      quit: () => {},
      getPath: () => state.userData,
      getVersion: () => '0.0.0-test',
    },
    ipcMain: { handle: () => {} },
    net: { fetch: () => Promise.resolve(new Response('')) },
    protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {} },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: (...args: unknown[]) => void) => (state.permissionRequest = fn),
        setPermissionCheckHandler: (fn: (...args: unknown[]) => boolean) => (state.permissionCheck = fn),
      },
    },
    shell: { openExternal: (url: string) => (state.opened.push(url), Promise.resolve()) },
  };
  return { state, electron };
});
vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

const tmp = tempDir('studio-electron-');
beforeAll(async () => {
  fake.state.userData = tmp.dir;
  process.env.STUDIO_RENDERER_DIR = tmp.dir;
  // main.ts is bundled as CommonJS, where __dirname exists.
  (globalThis as { __dirname?: string }).__dirname = tmp.dir;
  await import('../../../src-main/electron/main.ts');
  await vi.waitFor(() => expect(fake.state.openHandler).toBeDefined());
});
afterAll(() => tmp.cleanup());

describe('electron guards (pure)', () => {
  it('knows our own pages', () => {
    expect(isAppUrl('studio://app/index.html')).toBe(true);
    for (const u of ['studio://evil/index.html', 'https://app/', 'file:///etc/passwd', 'not a url'])
      expect(isAppUrl(u)).toBe(false);
  });

  it('opens only allow-listed https sites outside', () => {
    expect(isAllowedExternal('https://huggingface.co/bert-base-uncased')).toBe(true);
    for (const u of [
      'http://huggingface.co/',
      'https://huggingface.co.evil.example/',
      'https://evil.example/',
      'file:///etc/passwd',
      'smb://host/share',
      'https://user:pw@github.com/',
    ])
      expect(isAllowedExternal(u), u).toBe(false);
  });

  it('denies permissions by default', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read'])
      expect(isPermissionGranted(p, 'studio://app/index.html')).toBe(false);
    expect(isPermissionGranted('clipboard-sanitized-write', 'studio://app/index.html')).toBe(true);
    expect(isPermissionGranted('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
  });

  it('the preload offers exactly the calls the UI makes', () => {
    const renderer = fs
      .readdirSync(path.join(REPO_ROOT, 'src-renderer'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|svelte)$/.test(f))
      .map((f) => fs.readFileSync(path.join(REPO_ROOT, 'src-renderer', f), 'utf8'))
      .join('\n');
    const used = CALL_NAMES.filter((c) => renderer.includes(`'${c}'`));
    expect([...WINDOW_CALLS].sort()).toEqual(used.sort());
    expect(WINDOW_CALLS.length).toBeLessThan(CALL_NAMES.length);
  });
});

describe('electron main wires the guards', () => {
  const event = (url = '') => {
    const e = { url, prevented: false, preventDefault: () => (e.prevented = true) };
    return e;
  };
  const handler = (name: string): Listener => {
    const fn = fake.state.contentsEvents.get(name);
    expect(fn, `${name} handler`).toBeDefined();
    return fn as Listener;
  };

  it('asks for the single-instance lock', () => {
    expect(fake.state.singleInstanceAsked).toBe(true);
  });

  it('keeps navigation, redirects and frames inside the app, and refuses webviews', () => {
    for (const name of ['will-navigate', 'will-redirect']) {
      const out = event();
      handler(name)(out, 'https://evil.example/');
      expect(out.prevented, name).toBe(true);
      const inside = event();
      handler(name)(inside, 'studio://app/index.html#/runs');
      expect(inside.prevented, name).toBe(false);
    }
    const frame = event('https://evil.example/');
    handler('will-frame-navigate')(frame);
    expect(frame.prevented).toBe(true);
    const webview = event();
    handler('will-attach-webview')(webview);
    expect(webview.prevented).toBe(true);
  });

  it('opens only allow-listed links outside, and never a new window', () => {
    expect(fake.state.openHandler?.({ url: 'https://evil.example/' }).action).toBe('deny');
    expect(fake.state.openHandler?.({ url: 'https://huggingface.co/x' }).action).toBe('deny');
    expect(fake.state.opened).toEqual(['https://huggingface.co/x']);
  });

  it('denies permission requests by default', () => {
    let granted: boolean | undefined;
    fake.state.permissionRequest?.({ getURL: () => 'studio://app/index.html' }, 'media', (g: boolean) => {
      granted = g;
    });
    expect(granted).toBe(false);
    expect(fake.state.permissionCheck?.(null, 'geolocation', 'studio://app')).toBe(false);
  });

  it('packages with hardening fuses (runAsNode off: workers are utility processes)', () => {
    const yml = fs.readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8');
    for (const fuse of [
      'runAsNode: false',
      'enableNodeOptionsEnvironmentVariable: false',
      'enableNodeCliInspectArguments: false',
      'enableEmbeddedAsarIntegrityValidation: true',
      'onlyLoadAppFromAsar: true',
    ])
      expect(yml).toContain(fuse);
  });
});
