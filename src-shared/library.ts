/** The Models and Adapters pages: base models, the adapter library, and the playground's predictions. */

export interface ModelEntry {
  /** null for the bundled default model (not a database row). */
  id: number | null;
  /** What a train config names: "default" or the folder. */
  model: string;
  path: string;
  bundled: boolean;
  architecture: string;
  /** Token ids or pixel values, as the architecture declares; null when unknown (the playground then asks for text). */
  inputKind: 'text' | 'image' | 'image-text' | null;
  task: string;
  /** A causal language model (GPT-2, Llama): the generation playground offers it. */
  generates: boolean;
  parameters: number;
  hiddenSize: number;
  layers: number;
  heads: number | null;
  vocabSize: number | null;
  labels: string[];
  tokenizer: string | null;
  bytesOnDisk: number;
  /** Runs of this project trained on it. */
  runs: number;
  /** Set when the folder can no longer be read (moved, deleted, broken). */
  error: string | null;
}

export interface AdapterEntry {
  runId: number;
  name: string;
  method: string;
  /** The base model as the run named it ("default" or a folder). */
  model: string;
  dataset: string;
  /** Final validation accuracy (or the first metric recorded), for choosing. */
  metric: { name: string; value: number } | null;
  trainablePercent: number | null;
  bytes: number | null;
  labels: string[];
  /** Trained on video clips (its folder says so): on a CLIP base it classifies clips with its head, not prompts. */
  video?: boolean;
  finishedAt: string | null;
}

export interface LabelScore {
  label: string;
  probability: number;
}

export interface PredictionColumn {
  /** "base" or the run id of the adapter. */
  key: string;
  title: string;
  /** Top labels, most probable first; null with `note` when there is nothing meaningful to show. */
  top: LabelScore[] | null;
  note: string | null;
  /** Attaching the adapter to the loaded base (read its files, build its tensors). */
  applyMs: number | null;
  forwardMs: number | null;
  /** Detaching it again (disposing its tensors), leaving the base as it was. */
  removeMs: number | null;
  /** A router: the adapters it used for this input and their weights, largest first (hard: one, weight 1). */
  routing?: { adapter: string; weight: number }[];
  /**
   * A `layers` router (X-LoRA style): its gate weights for this input, one row per slot (`layer 0` … and `answer`,
   * the mix of the adapters' answers), one column per adapter; each row sums to 1.
   */
  layers?: { adapters: string[]; slots: string[]; weights: number[][] };
}

export interface PlaygroundResult {
  model: string;
  /** Loading the base, when this request had to (it stays loaded for the next ones). */
  loadMs: number | null;
  columns: PredictionColumn[];
}

/** The New-run form's live preview of what a run would train and roughly need. */
export interface RunPreview {
  trainableParams: number;
  totalParams: number;
  /** trainable / total, in %. */
  percent: number;
  merges: boolean;
  labels: number;
  examples: number;
  /** An estimate (see src-main/inference/preview.ts): weights, gradients + AdamW state, activations. */
  memoryMB: { weights: number; optimizer: number; activations: number; total: number };
}

/** A New-run preset: a name and a train config without its project. */
export interface PresetView {
  id: number;
  name: string;
  config: Record<string, unknown>;
  createdAt: string;
}

/** The playground takes images up to 20 MiB (base64 grows it by a third). */
export const MAX_PLAYGROUND_IMAGE_BYTES = 20 * 1024 * 1024;
export const MAX_PLAYGROUND_IMAGE_BASE64 = Math.ceil(MAX_PLAYGROUND_IMAGE_BYTES / 3) * 4;
