/**
 * A run trained with `studio train --config` in a terminal beside the open window, as a user would: the studio
 * under test sees it only through the project's database. The CLI gets a home of its own.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/fixtures.ts';
import type { StudioSession } from './session.ts';

export interface CliTrainOptions {
  /** Passed as `--project`; else the config names its project. */
  project?: string;
  /** The config file's name under the session folder. */
  file?: string;
  /** The CLI's STUDIO_HOME, under the session folder. */
  home?: string;
  timeout?: number;
}

/** Writes `config` and trains it to the end; the caller checks the result. */
export function trainWithCli(
  session: StudioSession,
  config: Record<string, unknown>,
  opts: CliTrainOptions = {},
): SpawnSyncReturns<string> {
  const file = path.join(session.dir, opts.file ?? 'seed.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const project = opts.project ? ['--project', opts.project] : [];
  return spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/studio.mjs'), 'train', ...project, '--config', file],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, STUDIO_HOME: path.join(session.dir, opts.home ?? 'terminal-home') },
      ...(opts.timeout ? { timeout: opts.timeout } : {}),
    },
  );
}
