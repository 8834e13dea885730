/** Contract of the Experiments page's method shoot-outs. Handlers: src-main/services/shootouts-handlers.ts. */
import { z } from 'zod';
import { shootoutConfigSchema } from '../shootout.ts';
import type { ShootoutView } from '../shootout.ts';
import type { MethodConfigInput } from '../methods.ts';
import { noArgs, projectPath } from './common.ts';
import type { Done } from './common.ts';
import { call } from './define.ts';

const aShootout = z.object({ project: projectPath, shootoutId: z.number().int().positive() }).strict();

export const shootoutsCalls = {
  /** The methods a shoot-out compares by default, with the names its tables use. */
  'shootouts:defaults': call(noArgs).returns<{ methods: { method: MethodConfigInput; label: string }[] }>(),
  /** The project's shoot-outs, newest first: each one's table and verdict. */
  'shootouts:list': call(z.object({ project: projectPath }).strict()).returns<ShootoutView[]>(),
  /** Records the shoot-out's sweeps and starts the first. */
  'shootouts:start': call(z.object({ config: shootoutConfigSchema }).strict()).returns<{
    shootoutId: number;
  }>(),
  'shootouts:resume': call(aShootout).returns<Done>(),
  'shootouts:cancel': call(aShootout).returns<Done>(),
} as const;
