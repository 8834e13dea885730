import { m0010Projects } from './0010-projects.ts';
import { m0020Datasets } from './0020-datasets.ts';
import { m0030BaseModels } from './0030-base-models.ts';
import { m0040Runs } from './0040-runs.ts';
import { m0050Metrics } from './0050-metrics.ts';
import { m0060Artifacts } from './0060-artifacts.ts';
import { m0070Presets } from './0070-presets.ts';
import { m0080RunOwner } from './0080-run-owner.ts';
import { m0090RunWarning } from './0090-run-warning.ts';
import { m0110RunNotesTags } from './0110-run-notes-tags.ts';
import { m0160Sweeps } from './0160-sweeps.ts';
import { m0170Shootouts } from './0170-shootouts.ts';
import { m0180Forgetting } from './0180-forgetting.ts';
import { m0270RunMemory } from './0270-run-memory.ts';
import { m0310ContinualFusions } from './0310-continual-fusions.ts';
import type { Migration } from './types.ts';

/** Every migration, in order. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  m0010Projects,
  m0020Datasets,
  m0030BaseModels,
  m0040Runs,
  m0050Metrics,
  m0060Artifacts,
  m0070Presets,
  m0080RunOwner,
  m0090RunWarning,
  m0110RunNotesTags,
  m0160Sweeps,
  m0170Shootouts,
  m0180Forgetting,
  m0270RunMemory,
  m0310ContinualFusions,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
