/**
 * The steps a run's `train.evalAt` fractions fall on: the trainer evaluates there, and a sweep (main, no engine)
 * reads its rung scores there. Pure arithmetic, shared so both sides agree on the step.
 */
export const evalStepsAt = (fractions: readonly number[], totalSteps: number): Set<number> =>
  new Set(fractions.map((f) => Math.max(1, Math.round(f * totalSteps))));
