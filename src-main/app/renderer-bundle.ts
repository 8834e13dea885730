import fs from 'node:fs';
import path from 'node:path';
import { APP_ROOT } from './package-info.ts';

export const RENDERER_DIST = path.join(APP_ROOT, 'dist/renderer');
const RENDERER_SRC = path.join(APP_ROOT, 'src-renderer');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** True when dist/renderer is missing or older than a source file (a fresh clone, or after editing the UI). */
export function rendererIsStale(): boolean {
  const index = path.join(RENDERER_DIST, 'index.html');
  if (!fs.existsSync(index)) return true;
  if (!fs.existsSync(RENDERER_SRC)) return false; // a packaged app ships only the bundle
  const built = fs.statSync(index).mtimeMs;
  return newestMtime(RENDERER_SRC) > built || newestMtime(path.join(APP_ROOT, 'src-shared')) > built;
}

/**
 * Builds the renderer with Vite when it is stale, so `npm start` and `studio serve` work on a fresh clone with no
 * separate build step. A packaged app has an up-to-date bundle and never reaches Vite.
 */
export async function ensureRendererBuilt(log: (line: string) => void = () => {}): Promise<string> {
  if (!rendererIsStale()) return RENDERER_DIST;
  log('building the studio UI (first start or sources changed)...');
  const vite = await import('vite');
  await vite.build({ configFile: path.join(APP_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  return RENDERER_DIST;
}
