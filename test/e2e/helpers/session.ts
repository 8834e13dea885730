import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from '../../helpers/temp.ts';
import { launchBrowser } from './browser.ts';
import { startStudio } from './studio-server.ts';
import type { StudioProcess } from './studio-server.ts';

export interface StudioSession {
  readonly studio: StudioProcess;
  readonly browser: Browser;
  /** A temporary folder of this file's own (the studio's STUDIO_HOME is `home` inside it). */
  readonly dir: string;
}

/**
 * One e2e file's studio: `studio serve` with a fresh STUDIO_HOME and a headless Chromium, started before the
 * file's tests and stopped after them.
 */
export function useStudioSession(prefix: string): StudioSession {
  const tmp = tempDir(prefix);
  let studio: StudioProcess | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    studio = await startStudio({ STUDIO_HOME: path.join(tmp.dir, 'home') });
  });
  afterAll(async () => {
    await studio?.stop();
    await browser?.close();
    tmp.cleanup();
  });
  const started = <T>(v: T | undefined, what: string): T => {
    if (!v) throw new Error(`${what} is not started yet (use it inside a test)`);
    return v;
  };
  return {
    get studio() {
      return started(studio, 'the studio');
    },
    get browser() {
      return started(browser, 'the browser').browser;
    },
    dir: tmp.dir,
  };
}
