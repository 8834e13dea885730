/** Contract of the Settings page: training threads and backend (applied to runs started afterwards). */
// Handlers: src-main/services/settings-handlers.ts.
import { z } from 'zod';
import { BACKEND_NAMES } from '../domain.ts';
import type { TrainingSettings } from '../settings.ts';
import { noArgs } from './common.ts';
import { call } from './define.ts';

export const settingsCalls = {
  'settings:get': call(noArgs).returns<TrainingSettings>(),
  'settings:set': call(
    z
      .object({
        threads: z.number().int().min(1).max(64).nullable(),
        backend: z.enum(BACKEND_NAMES).nullable(),
      })
      .strict(),
  ).returns<TrainingSettings>(),
} as const;
