/**
 * Domain types shared by every layer. Pure TypeScript: no runtime imports.
 */

/** A project as listed in the app-level recent-projects store. */
export interface ProjectSummary {
  /** Absolute path of the project folder (holds studio.db and artifacts/). */
  path: string;
  name: string;
  createdAt: string;
  /** Last time the project was opened, ISO 8601. */
  openedAt: string;
  /** False when the folder or its studio.db has disappeared since it was last opened. */
  exists: boolean;
}

/** Where a new project would go, and what is there now: the Projects page asks before a clash. */
export interface ProjectTarget {
  path: string;
  /** free: nothing there; empty: an empty folder (used as it is); project: a studio project; occupied: other files. */
  state: 'free' | 'empty' | 'project' | 'occupied';
}

/** Counts of what a project's database holds, shown on the Projects page. */
export interface ProjectDetails extends ProjectSummary {
  schemaVersion: number;
  counts: { datasets: number; baseModels: number; runs: number; artifacts: number };
}

/** The backends of the engine chain, in probe order (ARCHITECTURE.md). */
export const BACKEND_NAMES = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendProbe {
  name: BackendName;
  ok: boolean;
  /** Why it was or was not used, in one line. */
  reason: string;
}

/** What `studio doctor --json` prints and the Settings page shows. */
export interface DoctorReport {
  backend: BackendName;
  probed: BackendProbe[];
  device: string;
  threads: number | null;
  versions: Record<string, string>;
}

export interface AppInfo {
  version: string;
  /** 'electron' inside the desktop window, 'web' when served to a browser. */
  mode: 'electron' | 'web';
  platform: string;
  userDataDir: string;
  defaultProjectsDir: string;
}

export type RunStatus =
  | 'queued'
  | 'running'
  | 'paused'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'interrupted'
  | 'diverged';

/** A run as the Runs and Compare pages show it. */
export interface RunView {
  id: number;
  name: string;
  method: string;
  status: RunStatus;
  message: string | null;
  /** A run that ended without error but is suspect (its loss rose far above its start): shown as a warning. */
  warning: string | null;
  step: number;
  totalSteps: number | null;
  trainableParams: number | null;
  totalParams: number | null;
  /** Bytes on disk of the adapter the run keeps (null until it has one). */
  adapterBytes: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  config: Record<string, unknown>;
  /** What the user wrote about the run. */
  notes: string;
  /** The user's tags, in name order (the runs list filters by them). */
  tags: string[];
  /** Latest value of each validation metric. */
  finalMetrics: Record<string, number>;
  /** Best value of each validation metric over the run (highest accuracy/F1, lowest loss/perplexity). */
  bestMetrics: Record<string, number>;
  /** Always predicting the training split's most frequent label, scored on the validation split. */
  baseline: RunBaseline | null;
  /** The metric the run is judged by, its final and best values and the baseline's (null before any metric). */
  headline: Headline | null;
}

/** A run's result at a glance (runs list, run page). */
export interface Headline {
  metric: string;
  final: number | null;
  best: number | null;
  lowerIsBetter: boolean;
  /** The baseline's value of the same metric (accuracy and macro F1 only). */
  baseline: number | null;
  /** Whether the final value beats the baseline; null when there is nothing to compare. */
  beatsBaseline: boolean | null;
}

/** The majority-class baseline stored with a classification run when it starts. */
export interface RunBaseline {
  accuracy: number;
  macroF1: number;
  /** The majority label, when the run's dataset is recorded. */
  label: string | null;
}

/** Metrics where lower is better; every other validation metric is better higher. */
export const LOWER_IS_BETTER = new Set(['loss', 'perplexity']);

/** The metric a run is judged by: accuracy for classification, else perplexity, else loss. */
export function headlineMetric(metrics: Record<string, number>): string | null {
  for (const m of ['accuracy', 'perplexity', 'loss']) if (metrics[m] !== undefined) return m;
  return Object.keys(metrics)[0] ?? null;
}

/** The headline of a run from its final and best metrics and its baseline. */
export function headlineOf(
  finalMetrics: Record<string, number>,
  bestMetrics: Record<string, number>,
  b: RunBaseline | null,
): Headline | null {
  const metric = headlineMetric(finalMetrics) ?? (b ? 'accuracy' : null);
  if (!metric) return null;
  const final = finalMetrics[metric] ?? null;
  const best = bestMetrics[metric] ?? null;
  const lowerIsBetter = LOWER_IS_BETTER.has(metric);
  const baseline =
    metric === 'accuracy' ? (b?.accuracy ?? null) : metric === 'macroF1' ? (b?.macroF1 ?? null) : null;
  const beatsBaseline =
    final === null || baseline === null ? null : lowerIsBetter ? final < baseline : final > baseline;
  return { metric, final, best, lowerIsBetter, baseline, beatsBaseline };
}

/** One metric series of a run: steps and values in step order. */
export interface MetricSeries {
  split: string;
  name: string;
  steps: number[];
  values: number[];
}

/**
 * Where a training loop stands after an optimizer step: the one progress shape the trainer reports, the worker
 * sends, the CLI draws and the UI shows.
 */
export interface TrainingProgress {
  step: number;
  totalSteps: number;
  /** Fractional: 1.5 is halfway through the second epoch. */
  epoch: number;
  loss: number;
  lr: number;
  /** Tokens (or images) per second over the last step. */
  throughput: number;
  /** How long the last optimizer step took. */
  stepMs: number;
  etaSeconds: number;
}

/** Live progress pushed while a run trains. */
export interface RunProgress extends TrainingProgress {
  projectPath: string;
  runId: number;
}

/** A built-in sample dataset, for the one-click list. */
export interface SampleView {
  name: string;
  title: string;
  description: string;
  kind: string;
}

/** What the Models page and the New-run form show about a Hugging Face folder. */
export interface ModelInfo {
  path: string;
  architecture: string;
  /** What the architecture reads (its declaration in models/<arch>/spec.ts); null for a model_type none reads. */
  inputKind: 'text' | 'image' | 'image-text' | null;
  task: string;
  parameters: number;
  hiddenSize: number;
  layers: number;
  labels: string[];
  tokenizer: string | null;
  /** Its graph runs video clips through a vision transformer (calls the `videoTokens` hook: ST-Adapter attaches). */
  video: boolean;
}
