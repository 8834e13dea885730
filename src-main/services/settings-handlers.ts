/** Contract handlers of the Settings page (src-shared/contract/settings.ts); joined in createHandlers. */
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { settingsCalls } from '../../src-shared/contract/settings.ts';
import type { ServiceContext } from './context.ts';
import { saveTrainingSettings, trainingSettings } from './settings.ts';

export function settingsHandlers(ctx: ServiceContext): HandlersOf<typeof settingsCalls> {
  return {
    'settings:get': async () => trainingSettings(ctx.store),
    'settings:set': async (s) => saveTrainingSettings(ctx.store, s),
  };
}
