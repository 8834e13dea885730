/** Contract of the Settings page's serving-API switch: start, stop, and what is running. */
// Handlers: src-main/services/serve-handlers.ts.
import { z } from 'zod';
import type { ServeApiView } from '../serve.ts';
import { noArgs, projectPath } from './common.ts';
import { call } from './define.ts';

export const serveCalls = {
  'serve:status': call(noArgs).returns<ServeApiView>(),
  /** Starts the API over `project`'s library (null: the base model only); restarts it on another project. */
  'serve:start': call(z.object({ project: projectPath.nullable() }).strict()).returns<ServeApiView>(),
  'serve:stop': call(noArgs).returns<ServeApiView>(),
} as const;
