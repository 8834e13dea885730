// Defines every method's schema: runs:start, runs:preview and presets:save validate train configs with them.
import '../adapters/schemas.ts';
import { checkHandlers } from '../../src-shared/contract.ts';
import type { Handlers } from '../../src-shared/contract.ts';
import { appHandlers } from './app-handlers.ts';
import type { ServiceContext } from './context.ts';
import { composeHandlers } from './compose-handlers.ts';
import { mergeAdaptersHandlers } from './merge-handlers.ts';
import { continualHandlers } from './continual-handlers.ts';
import { datasetHandlers } from './datasets-handlers.ts';
import { exportHandlers } from './export-handlers.ts';
import { generationHandlers } from './generation-handlers.ts';
import { forgettingHandlers } from './forgetting-handlers.ts';
import { reportHandlers } from './report-handlers.ts';
import { libraryHandlers } from './library-handlers.ts';
import { projectsHandlers } from './projects-handlers.ts';
import { runManageHandlers } from './run-manage-handlers.ts';
import { runsHandlers } from './runs-handlers.ts';
import { serveHandlers } from './serve-handlers.ts';
import { settingsHandlers } from './settings-handlers.ts';
import { sweepsHandlers } from './sweeps-handlers.ts';
import { shootoutsHandlers } from './shootouts-handlers.ts';

/**
 * The handler map every transport serves: one map per feature, beside that feature's contract. Each handler
 * receives arguments already validated by zod; checkHandlers fails to type-check unless every call has exactly
 * one handler.
 */
export function createHandlers(ctx: ServiceContext): Handlers {
  return checkHandlers(
    appHandlers(ctx),
    projectsHandlers(ctx),
    runsHandlers(ctx),
    runManageHandlers(ctx),
    datasetHandlers(ctx),
    libraryHandlers(ctx),
    generationHandlers(ctx),
    exportHandlers(ctx),
    continualHandlers(ctx),
    settingsHandlers(ctx),
    sweepsHandlers(ctx),
    serveHandlers(ctx),
    shootoutsHandlers(ctx),
    composeHandlers(ctx),
    mergeAdaptersHandlers(ctx),
    forgettingHandlers(ctx),
    reportHandlers(ctx),
  );
}
