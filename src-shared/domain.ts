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
  /** Latest value of each validation metric. */
  finalMetrics: Record<string, number>;
}

/** One metric series of a run: steps and values in step order. */
export interface MetricSeries {
  split: string;
  name: string;
  steps: number[];
  values: number[];
}

/** Live progress pushed while a run trains. */
export interface RunProgress {
  projectPath: string;
  runId: number;
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  throughput: number;
  etaSeconds: number;
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
  inputKind: 'text' | 'image' | null;
  task: string;
  parameters: number;
  hiddenSize: number;
  layers: number;
  labels: string[];
  tokenizer: string | null;
}
