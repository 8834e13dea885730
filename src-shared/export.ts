/**
 * Export formats of a run (CLI `export --format`, the Export page): what each writes, and which methods can use
 * it. Pure data and functions, shared by the services, the CLI and the UI.
 */
import { methodDefinition, methodDefinitions } from './methods.ts';

export const EXPORT_FORMATS = ['peft', 'adapterhub', 'merged', 'bundle', 'accelerate'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportFormatInfo {
  format: ExportFormat;
  label: string;
  /** What the format writes, in one line. */
  description: string;
  /** A folder or a single `.zip` file. */
  output: 'folder' | 'zip';
}

export const EXPORT_FORMAT_INFO: Record<ExportFormat, ExportFormatInfo> = {
  peft: {
    format: 'peft',
    label: 'PEFT adapter',
    description:
      'adapter_config.json + adapter_model.safetensors for Hugging Face PEFT (LoRA, IA3, prompt tuning), head included',
    output: 'folder',
  },
  adapterhub: {
    format: 'adapterhub',
    label: 'AdapterHub adapter',
    description:
      'a bottleneck adapter folder for the `adapters` library (load_adapter), with its classification head (BERT, RoBERTa)',
    output: 'folder',
  },
  merged: {
    format: 'merged',
    label: 'Merged model',
    description:
      'a full Hugging Face model folder with the adapter folded into the weights (LoRA, IA3): no extra latency',
    output: 'folder',
  },
  bundle: {
    format: 'bundle',
    label: 'Team bundle',
    description:
      'one .zip with the adapter, config, metrics, base-model identity, a model card and checksums; `studio import` verifies it',
    output: 'zip',
  },
  accelerate: {
    format: 'accelerate',
    label: 'Accelerate training folder',
    description:
      "train.py (transformers + PEFT, or our bottleneck module), the dataset as JSONL, the run's settings and seed, Accelerate and DeepSpeed configs: train on GPUs or a cluster, then `studio import-run` brings the result back (also for runs not trained yet)",
    output: 'folder',
  },
};

/** The methods an Accelerate folder can train: PEFT's LoRA, DoRA, IA3 and prompt tuning, and our bottleneck module. */
export const ACCELERATE_METHODS = ['lora', 'dora', 'ia3', 'prompt', 'bottleneck'] as const;

/** The methods that fold into the base weights, for messages: "LoRA, IA3". */
export const mergingLabels = (): string =>
  methodDefinitions()
    .filter((d) => d.capabilities.merges)
    .map((d) => d.info.label)
    .join(', ');

/**
 * Why `method` cannot be exported as `format`, or null when it can: read from the method's capabilities
 * (`architecture`: the base's model_type, where a method refuses PEFT on some bases).
 */
export function unavailableReason(
  method: string,
  format: ExportFormat,
  architecture?: string,
): string | null {
  const caps = methodDefinition(method)?.capabilities;
  if (format === 'bundle') return null;
  if (format === 'accelerate')
    return (ACCELERATE_METHODS as readonly string[]).includes(method)
      ? null
      : `an Accelerate folder trains ${ACCELERATE_METHODS.join(', ')} runs; a ${method} run cannot be handed to it yet`;
  if (!caps) return `"${method}" is not a method of this build: export a bundle instead`;
  switch (format) {
    case 'peft':
      if (!('type' in caps.peft)) return caps.peft.unavailable;
      return (architecture && caps.peft.refusedFor?.[architecture]) || null;
    case 'adapterhub':
      return caps.adapterhub
        ? null
        : `AdapterHub export is for bottleneck adapters; a ${method} run can go out as ${'type' in caps.peft ? 'peft or ' : ''}bundle`;
    case 'merged': {
      if (caps.merges) return null;
      return `a ${method} adapter cannot be merged into the weights (only ${mergingLabels()}): export a bundle instead`;
    }
  }
}

/** A bundle's manifest.json format version; `import` refuses other versions. */
export const BUNDLE_FORMAT_VERSION = 1;

/** manifest.json of a team bundle. */
export interface BundleManifest {
  format: 'adapter-studio-bundle';
  version: number;
  createdAt: string;
  studioVersion: string;
  run: {
    name: string;
    method: string;
    config: Record<string, unknown>;
    metrics: Record<string, number>;
    trainableParams: number | null;
    totalParams: number | null;
    createdAt: string;
    finishedAt: string | null;
    /** Steps the run trained and when it started (absent in bundles of studios before them). */
    steps?: number;
    startedAt?: string | null;
  };
  baseModel: {
    architecture: string;
    /** sha256 of the base model's .safetensors files, in name order (the project DB's content hash). */
    contentHash: string | null;
    /** The folder the run used, or "default" for the bundled base model: a hint, not a requirement. */
    pathHint: string;
  };
  /** Every other file of the zip (paths with forward slashes) and its sha256 (hex). */
  files: Record<string, { sha256: string; bytes: number }>;
}

/** Part of the error when an export's .zip already exists and was left alone (the Export page offers to overwrite). */
export const NOT_OVERWRITTEN = 'already exists; not overwritten';
/** Its type, so that the renderer (which imports only types from here) spells the same words. */
export type NotOverwritten = typeof NOT_OVERWRITTEN;

/** A file an export wrote. */
export interface ExportedFile {
  /** Path relative to the export's output (the folder, or the zip itself). */
  name: string;
  bytes: number;
}

export interface ExportResult {
  format: ExportFormat;
  /** Absolute path of the folder or .zip written. */
  out: string;
  /** What the export takes on disk: the .zip's own size for a bundle (its files are listed uncompressed). */
  bytes: number;
  files: ExportedFile[];
  /** What the export could not carry over (e.g. a head AdapterHub's format cannot hold), one line each. */
  warnings: string[];
}

/** What the Export page shows for one run before exporting. */
export interface ExportPreview {
  runId: number;
  method: string;
  /** Every format with its description (the renderer takes data only from calls) and why it cannot be used. */
  formats: (ExportFormatInfo & { unavailable: string | null })[];
  modelCard: string;
  /** Default output per format, under the project's exports/ folder. */
  defaultOut: Record<ExportFormat, string>;
}

export interface ImportResult {
  runId: number;
  name: string;
}

/** What `studio import-run` (the Runs page's "Import a trained run") recorded. */
export interface ImportRunResult extends ImportResult {
  /** Where its curves came from: our metrics.jsonl, transformers' trainer_state.json, or none. */
  curves: 'metrics.jsonl' | 'trainer_state.json' | 'none';
  metrics: Record<string, number>;
}
