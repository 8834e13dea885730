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
