import os from 'node:os';
import type { TrainingSettings } from '../../src-shared/settings.ts';
import type { AppStore } from '../app/app-store.ts';

const THREADS = 'training.threads';
const BACKEND = 'training.backend';

export function trainingSettings(store: AppStore): TrainingSettings {
  const threads = store.getSetting(THREADS);
  const backend = store.getSetting(BACKEND);
  return {
    threads: typeof threads === 'number' ? threads : null,
    backend: typeof backend === 'string' ? backend : null,
    cores: os.availableParallelism(),
  };
}

export function saveTrainingSettings(
  store: AppStore,
  s: Pick<TrainingSettings, 'threads' | 'backend'>,
): TrainingSettings {
  store.setSetting(THREADS, s.threads);
  store.setSetting(BACKEND, s.backend);
  return trainingSettings(store);
}

/** The environment a training process gets from the settings (the variables the engine reads). */
export function trainingEnv(store: AppStore): NodeJS.ProcessEnv {
  const s = trainingSettings(store);
  return {
    ...(s.threads !== null ? { STUDIO_THREADS: String(s.threads) } : {}),
    ...(s.backend !== null ? { STUDIO_BACKEND: s.backend } : {}),
  };
}
