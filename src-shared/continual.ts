import type { RunView } from './domain.ts';

/** A continual run as the Continual page shows it: the run and its retention matrix so far. */
export interface ContinualView {
  run: RunView;
  tasks: string[];
  /** accuracy for classification tasks, perplexity for language modelling. */
  metric: string;
  /** matrix[i][j]: the metric of task j after stage i (null before task j is learned). */
  matrix: (number | null)[][];
  /** change[i][j]: the largest |logit| change on task j since it was learned. */
  change: (number | null)[][];
  /** The tasks whose stage adapter the run kept, in training order (runs from before keep none). */
  stageAdapters: string[];
  /** AdapterFusion runs over this run's stage adapters, oldest first. */
  fusions: ContinualFusionView[];
}

/** A fusion over a continual run's stage adapters, trained on its task `task`. */
export interface ContinualFusionView {
  task: string;
  run: RunView;
}
