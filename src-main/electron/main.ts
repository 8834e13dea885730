/**
 * The Electron main process: owns the services and the project databases, registers one IPC handler per contract
 * call (all through the zod-validating dispatcher), and opens a sandboxed window on the renderer bundle.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, app, dialog, ipcMain, net, protocol, session, shell } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../server/csp.ts';
import { createServiceContext, shutdownServices } from '../services/context.ts';
import { dispatch } from '../services/dispatch.ts';
import { createHandlers } from '../services/handlers.ts';
import { APP_ORIGIN, isAllowedExternal, isAppUrl, isPermissionGranted, isWindowCall } from './guards.ts';
import { IPC_CALL, IPC_EVENT } from './ipc-channels.ts';

const rendererDir = process.env.STUDIO_RENDERER_DIR ?? path.join(__dirname, '../renderer');

// The renderer is served from a privileged custom scheme so it gets a real origin and our CSP header.
protocol.registerSchemesAsPrivileged([{ scheme: 'studio', privileges: { standard: true, secure: true } }]);

const windows = new Set<BrowserWindow>();

/** Only our own windows, showing our own bundle, may call the services. */
function fromOurWindow(event: IpcMainInvokeEvent): boolean {
  const win = BrowserWindow.fromWebContents(event.sender);
  return win !== null && windows.has(win) && isAppUrl(event.senderFrame?.url ?? '');
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Adapter Studio',
    // The window and taskbar icon on Linux and Windows (macOS takes the bundle's); resources/ ships in the app.
    icon: path.join(__dirname, '../../resources/build/icon.png'),
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  // No navigation away from the app (by link, redirect or in a frame), no webviews and no new windows; links to
  // the allow-listed sites open in the user's browser.
  const stayInApp = (e: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) e.preventDefault();
  };
  win.webContents.on('will-navigate', (e, url) => stayInApp(e, url));
  win.webContents.on('will-redirect', (e, url) => stayInApp(e, url));
  win.webContents.on('will-frame-navigate', (e) => stayInApp(e, e.url));
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

async function start(): Promise<void> {
  // One studio per user: a second start focuses the first window instead of opening the projects twice.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    const win = [...windows][0];
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  await app.whenReady();
  // Deny by default every permission a page may ask for (camera, notifications, ...); see guards.ts.
  session.defaultSession.setPermissionRequestHandler((wc, permission, callback) =>
    callback(isPermissionGranted(permission, wc.getURL())),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, origin) =>
    isPermissionGranted(permission, origin),
  );
  protocol.handle('studio', async (req) => {
    const rel = decodeURIComponent(new URL(req.url).pathname);
    const file = path.resolve(rendererDir, `.${rel === '/' ? '/index.html' : rel}`);
    if (!file.startsWith(rendererDir + path.sep)) return new Response('forbidden', { status: 403 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
    return new Response(res.body, { status: res.status, headers });
  });

  const ctx = createServiceContext({
    mode: 'electron',
    version: app.getVersion(),
    userDataDir: app.getPath('userData'),
  });
  // "Open folder…" on the Projects page: the system's dialog, over the window that asked.
  ctx.pickFolder = async () => {
    const parent = BrowserWindow.getFocusedWindow();
    const options = { title: 'Open a project folder', properties: ['openDirectory' as const] };
    const r = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
  const handlers = createHandlers(ctx);
  ipcMain.handle(IPC_CALL, async (event, name: unknown, args: unknown) => {
    if (!fromOurWindow(event))
      return { ok: false, error: { code: 'failed', message: 'refused: unknown sender' } };
    const call = String(name);
    if (!isWindowCall(call))
      return { ok: false, error: { code: 'unknown-call', message: `${call}: not offered to windows` } };
    return dispatch(handlers, call, args);
  });
  ctx.events.subscribe((name, payload) => {
    for (const w of windows) w.webContents.send(IPC_EVENT, name, payload);
  });

  createWindow();
  app.on('activate', () => {
    if (windows.size === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Quitting waits for the training processes to stop and their runs to be recorded, then closes the databases.
  let shutDown = false;
  app.on('before-quit', (e) => {
    if (shutDown) return;
    e.preventDefault();
    shutDown = true;
    void shutdownServices(ctx).finally(() => app.quit());
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());
}

void start();
