/** Contract handlers of the app itself (src-shared/contract/app.ts); joined in createHandlers. */
import os from 'node:os';
import type { appCalls } from '../../src-shared/contract/app.ts';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import { describeMethods } from '../../src-shared/methods.ts';
import type { ServiceContext } from './context.ts';

export function appHandlers(ctx: ServiceContext): HandlersOf<typeof appCalls> {
  return {
    'app:info': async () => ({
      version: ctx.version,
      mode: ctx.mode,
      platform: `${os.platform()}-${os.arch()}`,
      userDataDir: ctx.userDataDir,
      defaultProjectsDir: ctx.projectsDir,
    }),
    // The backend is probed in the engine process: main never loads tf.js.
    'engine:doctor': async () => ctx.inference.doctor(),
    'methods:list': async () => describeMethods(),
  };
}
