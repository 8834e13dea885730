/** Contract of the app itself: version and mode, the backend report, the adapter methods. */
// Handlers: src-main/services/app-handlers.ts.
import type { AppInfo, DoctorReport } from '../domain.ts';
import type { MethodDescription } from '../methods.ts';
import { noArgs } from './common.ts';
import { call } from './define.ts';

export const appCalls = {
  'app:info': call(noArgs).returns<AppInfo>(),
  /** The compute backends, probed in the engine process (main never loads tf.js). */
  'engine:doctor': call(noArgs).returns<DoctorReport>(),
  'methods:list': call(noArgs).returns<MethodDescription[]>(),
} as const;
