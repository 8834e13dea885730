import path from 'node:path';
import { afterAll } from 'vitest';
import { createServiceContext, shutdownServices } from '../../src-main/services/context.ts';
import type { ServiceContext } from '../../src-main/services/context.ts';
import { createHandlers } from '../../src-main/services/handlers.ts';
import { tempDir } from './temp.ts';

/**
 * The services as a window sees them, in a temporary user-data folder of this test file's own: closed (projects,
 * training and inference processes) and removed after the file's tests.
 */
export function serviceTestContext(prefix: string) {
  const tmp = tempDir(prefix);
  const ctx: ServiceContext = createServiceContext({
    mode: 'web',
    version: '0.0.0-test',
    userDataDir: path.join(tmp.dir, 'home'),
  });
  afterAll(async () => {
    await shutdownServices(ctx);
    tmp.cleanup();
  });
  return { ctx, handlers: createHandlers(ctx), dir: tmp.dir };
}
