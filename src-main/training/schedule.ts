/** Learning-rate schedules: linear warm-up, then linear or cosine decay to zero, or constant. */
export type ScheduleKind = 'linear' | 'cosine' | 'constant';

export interface ScheduleOptions {
  kind: ScheduleKind;
  baseLr: number;
  totalSteps: number;
  warmupSteps: number;
}

/** The learning rate for optimizer step `step` (0-based), as transformers' get_*_schedule_with_warmup. */
export function learningRate(step: number, o: ScheduleOptions): number {
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (o.baseLr * step) / o.warmupSteps;
  if (o.kind === 'constant') return o.baseLr;
  const decaySteps = Math.max(1, o.totalSteps - o.warmupSteps);
  const progress = Math.min(1, (step - o.warmupSteps) / decaySteps);
  if (o.kind === 'linear') return o.baseLr * Math.max(0, 1 - progress);
  return o.baseLr * 0.5 * (1 + Math.cos(Math.PI * progress));
}
