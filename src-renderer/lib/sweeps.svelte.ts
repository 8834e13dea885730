import type { SweepConfigInput, SweepView, TrialParams } from '../../src-shared/sweep.ts';
import type { RunView } from '../../src-shared/domain.ts';
import { call } from './api.ts';
import { ProjectListState } from './project-list.svelte.ts';

/** The training options a sweep may vary, as the form names them. */
export const TRAIN_OPTIONS: { key: string; label: string }[] = [
  { key: 'train.lr', label: 'Learning rate' },
  { key: 'train.epochs', label: 'Epochs' },
  { key: 'train.batchSize', label: 'Batch size' },
  { key: 'train.warmupRatio', label: 'Warmup ratio' },
  { key: 'train.weightDecay', label: 'Weight decay' },
  { key: 'train.seed', label: 'Seed' },
];

/** The options of a run's method a sweep may vary: its numeric fields (`method.r`, `method.alpha`, ...). */
export function methodOptions(run: RunView | undefined): { key: string; label: string }[] {
  const method = (run?.config.method ?? {}) as Record<string, unknown>;
  return Object.entries(method)
    .filter(([k, v]) => k !== 'type' && typeof v === 'number')
    .map(([k]) => ({ key: `method.${k}`, label: `${String(method.type)} ${k}` }));
}

/** "1e-4, 3e-4, 0.001" as values: numbers where they read as numbers, true/false, else the text. */
export function parseValues(text: string): (number | string | boolean)[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s === 'true' ? true : s === 'false' ? false : Number.isFinite(Number(s)) ? Number(s) : s));
}

/** A run's settings as a sweep's base (its config without the project). */
export function baseOf(run: RunView): SweepConfigInput['base'] {
  const { project: _project, name: _name, ...rest } = run.config as Record<string, unknown>;
  return rest as SweepConfigInput['base'];
}

export const paramsText = (p: TrialParams) =>
  Object.entries(p)
    .map(([k, v]) => `${k.split('.')[1]} ${v}`)
    .join(', ');

/** The open project's sweeps, followed live through main's events (sweep and run changes), never on a timer. */
export class SweepsState extends ProjectListState<SweepView> {
  constructor() {
    super((project) => call('sweeps:list', { project }), ['sweep:changed', 'run:status']);
  }

  /** Starts a sweep; throws the refusal for the form to show. */
  async start(config: SweepConfigInput): Promise<number> {
    const { sweepId } = await call('sweeps:start', { config });
    await this.refresh();
    return sweepId;
  }

  act(action: 'sweeps:resume' | 'sweeps:cancel', sweepId: number): Promise<void> {
    return this.perform((project) => call(action, { project, sweepId }));
  }
}
