/** The export work main hands to the engine process (types only: main never loads the code that does it). */
import type { ExportedFile } from '../../src-shared/export.ts';
import type { RunSource } from './run-source.ts';

/** The formats written by the engine process; the others are plain file copies main does itself. */
export const ENGINE_FORMATS = ['merged', 'adapterhub'] as const;
export type EngineFormat = (typeof ENGINE_FORMATS)[number];

export interface EngineExportJob {
  format: EngineFormat;
  source: RunSource;
  /** Absolute output folder, already checked to be new or empty. */
  out: string;
}

export interface EngineExportResult {
  files: ExportedFile[];
  warnings: string[];
}

/** Whoever runs engine exports for main: the engine process's client (inference/client.ts). */
export interface ExportEngine {
  exportFormat(job: EngineExportJob): Promise<EngineExportResult>;
}

/**
 * `studio import-run`: an adapter trained outside the studio (a PEFT folder, or our format from train.py's
 * bottleneck module) loaded onto the run's base and saved again as the studio saves a run's adapter (our folder
 * with its labels, plus PEFT's files for the methods PEFT has), so the imported run predicts, exports and bundles
 * like one trained here. Loading it is also the check that it fits the base.
 */
export interface ImportAdapterJob {
  /** The base model as the run's config names it (`default` or a folder). */
  model: string;
  /** The trained adapter folder (read only). */
  from: string;
  /** The new adapter folder to write (must not exist yet). */
  out: string;
  /** The method the run trained: the folder must hold that method. */
  method: string;
  labels: string[];
}

export interface ImportAdapterResult {
  files: ExportedFile[];
  trainableParams: number;
  totalParams: number;
  warnings: string[];
}

/** Whoever converts imported adapters for main: the engine process's client. */
export interface ImportEngine {
  importAdapter(job: ImportAdapterJob): Promise<ImportAdapterResult>;
}
