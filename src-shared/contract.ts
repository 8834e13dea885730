/**
 * The one contract between the UI and the services (after Actual Budget's handler maps).
 *
 * `callSchemas` validates every argument at the boundary in main (the renderer is not trusted); `Handlers` is
 * derived from it and from `CallResults`, so the preload, the IPC registration, the web bridge and the
 * renderer client are all typed from this file and nothing is restated by hand.
 */
import { z } from 'zod';
import type { MethodDescription } from './methods.ts';
import { continualConfigSchema, trainConfigSchema } from './train-config.ts';
import { BACKEND_NAMES } from './domain.ts';
import type { ContinualView } from './continual.ts';
import { MAX_PLAYGROUND_IMAGE_BASE64 } from './library.ts';
import type { AdapterEntry, ModelEntry, PlaygroundResult, PresetView, RunPreview } from './library.ts';
import type { TrainingSettings } from './settings.ts';
import type {
  AppInfo,
  DoctorReport,
  MetricSeries,
  ProjectDetails,
  ProjectSummary,
  RunProgress,
  ModelInfo,
  RunView,
  SampleView,
} from './domain.ts';
import type { DatasetDraft, DatasetLimits, DatasetView } from './datasets.ts';
import type { EvaluationReport } from './evaluate.ts';
import { EXPORT_FORMATS } from './export.ts';
import type { ExportPreview, ExportResult, ImportResult } from './export.ts';
import { STORED_NAME_PATTERN } from './datasets.ts';

const projectPath = z.string().min(1).max(4096);

// --- Datasets page (issue #7): schemas ---
const columnName = z.string().min(1).max(500);
const columnMapping = z
  .object({ text: columnName, label: columnName, textPair: columnName.optional() })
  .strict();
const storedFile = z.string().regex(STORED_NAME_PATTERN, 'not an imported dataset file');
const datasetId = z.number().int().positive();
const datasetCalls = {
  /** The largest file and the file types an import accepts. */
  'datasets:limits': z.object({}).strict(),
  /** Stores a copy of a picked or dropped file in the project and previews it with the guessed mapping. */
  'datasets:import': z
    .object({
      project: projectPath,
      name: z.string().trim().min(1).max(255),
      /**
       * The file's bytes, base64 (exact bytes, so the content hash is the file's). Its size is checked by the
       * service after decoding, which names the file and the limit (MAX_DATASET_BYTES).
       */
      contentBase64: z.string(),
    })
    .strict(),
  /** Previews an imported file with a mapping (the guessed one when omitted) and checks every row. */
  'datasets:preview': z
    .object({ project: projectPath, file: storedFile, mapping: columnMapping.optional() })
    .strict(),
  'datasets:save': z
    .object({
      project: projectPath,
      file: storedFile,
      mapping: columnMapping.optional(),
      name: z.string().trim().max(200).optional(),
    })
    .strict(),
  /** Removes an imported file that was never saved. */
  'datasets:discard': z.object({ project: projectPath, file: storedFile }).strict(),
  'datasets:list': z.object({ project: projectPath }).strict(),
  'datasets:delete': z.object({ project: projectPath, id: datasetId }).strict(),
  'datasets:add-sample': z.object({ project: projectPath, sample: z.string().min(1).max(100) }).strict(),
  /** Reads a record's data again and refreshes its stored stats. */
  'datasets:stats': z.object({ project: projectPath, id: datasetId }).strict(),
} as const;
// --- end Datasets page schemas ---

// --- Export page: schemas ---
const exportRunId = z.number().int().positive();
const exportCalls = {
  /** Which formats a run can use (with the reason when not), its model card and default output paths. */
  'export:preview': z.object({ project: projectPath, runId: exportRunId }).strict(),
  /** Exports a completed run; `out` is a folder (a .zip path for bundles), absolute or relative to the project. */
  'export:run': z
    .object({
      project: projectPath,
      runId: exportRunId,
      format: z.enum(EXPORT_FORMATS),
      out: z.string().trim().min(1, 'choose where to write the export').max(4096),
      /** Replace an existing .zip (the user confirmed); without it the export refuses to overwrite. */
      force: z.boolean().optional(),
    })
    .strict(),
  /** Verifies a team bundle (a path on this machine) and records it in the project as a completed run. */
  'export:import': z
    .object({
      project: projectPath,
      bundle: z.string().trim().min(1).max(4096),
      model: projectPath.optional(),
      /** Import a bundle that does not record its base model's hash (checked by architecture only). */
      allowUnknownBase: z.boolean().optional(),
    })
    .strict(),
} as const;
// --- end Export page schemas ---

export const callSchemas = {
  'app:info': z.object({}).strict(),
  'engine:doctor': z.object({}).strict(),
  'projects:list': z.object({}).strict(),
  'projects:create': z
    .object({
      name: z.string().trim().min(1, 'name is required').max(120),
      /** Parent folder; the project folder is created inside it. Defaults to the app's projects folder. */
      parentDir: projectPath.optional(),
    })
    .strict(),
  'projects:open': z.object({ path: projectPath }).strict(),
  'projects:details': z.object({ path: projectPath }).strict(),
  'projects:forget': z.object({ path: projectPath }).strict(),
  'runs:list': z.object({ project: projectPath }).strict(),
  'runs:get': z.object({ project: projectPath, runId: z.number().int().positive() }).strict(),
  'runs:metrics': z
    .object({
      project: projectPath,
      runId: z.number().int().positive(),
      /** Only points after this step (for live updates). */
      sinceStep: z.number().int().min(-1).default(-1),
    })
    .strict(),
  'runs:start': z.object({ config: trainConfigSchema }).strict(),
  'runs:cancel': z.object({ project: projectPath, runId: z.number().int().positive() }).strict(),
  'runs:pause': z.object({ project: projectPath, runId: z.number().int().positive() }).strict(),
  'runs:resume': z.object({ project: projectPath, runId: z.number().int().positive() }).strict(),
  /** Scores a completed run on a CSV/JSONL file (a path on the studio's machine) with the run's columns. */
  'runs:evaluate': z
    .object({
      project: projectPath,
      runId: z.number().int().positive(),
      file: z.string().trim().min(1).max(4096),
    })
    .strict(),
  'methods:list': z.object({}).strict(),
  'datasets:samples': z.object({}).strict(),
  'models:info': z.object({ path: projectPath }).strict(),
  // Continual learning: the retention matrices of a project's continual runs.
  'continual:list': z.object({ project: projectPath }).strict(),
  'continual:start': z.object({ config: continualConfigSchema }).strict(),
  ...datasetCalls,
  'runs:log': z
    .object({
      project: projectPath,
      runId: z.number().int().positive(),
      /** Only the lines after this many (for following a live log). */
      since: z.number().int().min(0).default(0),
    })
    .strict(),
  // New run page: live preview of a config, and presets saved per project (configs without the project).
  'runs:preview': z.object({ config: trainConfigSchema }).strict(),
  'presets:list': z.object({ project: projectPath }).strict(),
  'presets:save': z
    .object({
      project: projectPath,
      name: z.string().trim().min(1, 'name the preset').max(80),
      config: trainConfigSchema.omit({ project: true }),
    })
    .strict(),
  'presets:delete': z.object({ project: projectPath, id: z.number().int().positive() }).strict(),
  // Settings page: training threads and backend (applied to runs started afterwards).
  'settings:get': z.object({}).strict(),
  'settings:set': z
    .object({
      threads: z.number().int().min(1).max(64).nullable(),
      backend: z.enum(BACKEND_NAMES).nullable(),
    })
    .strict(),
  // Models and Adapters pages: base models, the adapter library and the playground.
  'models:list': z.object({ project: projectPath }).strict(),
  'models:add': z.object({ project: projectPath, path: projectPath }).strict(),
  'models:remove': z.object({ project: projectPath, id: z.number().int().positive() }).strict(),
  'adapters:list': z.object({ project: projectPath }).strict(),
  'playground:predict': z
    .object({
      project: projectPath,
      /** "default" or a model folder: the base the adapters were trained on. */
      model: z.string().min(1).max(4096),
      runIds: z.array(z.number().int().positive()).max(16),
      text: z.string().max(100_000).optional(),
      pair: z.string().max(100_000).optional(),
      /** PNG or JPEG, base64, for image models (at most MAX_PLAYGROUND_IMAGE_BYTES). */
      imageBase64: z
        .string()
        .max(MAX_PLAYGROUND_IMAGE_BASE64, 'the image is too large for the playground (at most 20 MiB)')
        .optional(),
    })
    .strict(),
  ...exportCalls,
} as const;

/** What each call resolves to. */
export interface CallResults {
  'app:info': AppInfo;
  'engine:doctor': DoctorReport;
  'projects:list': ProjectSummary[];
  'projects:create': ProjectSummary;
  'projects:open': ProjectDetails;
  'projects:details': ProjectDetails;
  'projects:forget': ProjectSummary[];
  'runs:list': RunView[];
  'runs:get': RunView;
  'runs:metrics': MetricSeries[];
  'runs:start': { runId: number };
  'runs:cancel': { ok: true };
  'runs:pause': { ok: true };
  'runs:resume': { runId: number };
  'runs:evaluate': EvaluationReport;
  'methods:list': MethodDescription[];
  'datasets:samples': SampleView[];
  'models:info': ModelInfo;
  'continual:list': ContinualView[];
  'continual:start': { runId: number };
  'runs:log': { lines: string[]; total: number };
  'runs:preview': RunPreview;
  'presets:list': PresetView[];
  'presets:save': PresetView;
  'presets:delete': { ok: true };
  'settings:get': TrainingSettings;
  'settings:set': TrainingSettings;
  'models:list': ModelEntry[];
  'models:add': ModelEntry;
  'models:remove': { ok: true };
  'adapters:list': AdapterEntry[];
  'playground:predict': PlaygroundResult;
  // --- Datasets page (issue #7): results ---
  'datasets:limits': DatasetLimits;
  'datasets:import': DatasetDraft;
  'datasets:preview': DatasetDraft;
  'datasets:save': DatasetView;
  'datasets:discard': { removed: boolean };
  'datasets:list': DatasetView[];
  'datasets:delete': { ok: true };
  'datasets:add-sample': DatasetView;
  'datasets:stats': DatasetView;
  // --- end Datasets page results ---
  // --- Export page: results ---
  'export:preview': ExportPreview;
  'export:run': ExportResult;
  'export:import': ImportResult;
  // --- end Export page results ---
}

export type CallName = keyof typeof callSchemas & keyof CallResults;
export type CallArgs<K extends CallName> = z.input<(typeof callSchemas)[K]>;
export type ParsedCallArgs<K extends CallName> = z.output<(typeof callSchemas)[K]>;

/** The handler map: one async function per call. */
export type Handlers = { [K in CallName]: (args: ParsedCallArgs<K>) => Promise<CallResults[K]> };

/** Push events from main to every window (name -> payload). */
export interface Events {
  'projects:changed': { projects: ProjectSummary[] };
  'server:hello': { version: string };
  'run:progress': RunProgress;
  /** A run's status changed (started, paused, finished, interrupted...). */
  'run:status': { projectPath: string; run: RunView };
}
export type EventName = keyof Events;

export const CALL_NAMES = Object.keys(callSchemas) as CallName[];

/** The error shape every transport uses to carry a failed call back to the caller. */
export interface CallError {
  message: string;
  /** 'invalid-args' when the payload failed validation, 'failed' when the handler threw. */
  code: 'invalid-args' | 'failed' | 'unknown-call';
}
