import type { RunView } from '../../src-shared/domain.ts';
import type {
  ExportFormat,
  ExportPreview,
  ExportResult,
  ImportResult,
  NotOverwritten,
} from '../../src-shared/export.ts';
import { call } from './api.ts';

/** The words of main's refusal to overwrite an existing .zip (checked against src-shared by its type). */
const NOT_OVERWRITTEN: NotOverwritten = 'already exists; not overwritten';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Runs the page offers: every single run (continual runs have no single adapter). A completed run exports in every
 * format that fits its method; one not trained yet only as an Accelerate folder (the preview says why not others).
 */
export const exportableRuns = (runs: readonly RunView[]): RunView[] =>
  runs.filter((r) => r.config.protocol !== 'continual');

/** The Export page: which run, which format, where to; the preview and the outcome of each step. */
export class ExportState {
  #runs = $state.raw<RunView[]>([]);
  #loaded = $state(false);
  #listError = $state<string | null>(null);
  #runId = $state<number | null>(null);
  #preview = $state.raw<ExportPreview | null>(null);
  #previewError = $state<string | null>(null);
  #format = $state<ExportFormat>('bundle');
  /** The output path; follows the default for the run and format until the user edits it. */
  #out = $state('');
  #outEdited = false;
  #exporting = $state(false);
  #result = $state.raw<ExportResult | null>(null);
  #exportError = $state<string | null>(null);
  #importing = $state(false);
  #imported = $state.raw<ImportResult | null>(null);
  #importError = $state<string | null>(null);
  #project: string | null = null;

  get runs() {
    return this.#runs;
  }
  get loaded() {
    return this.#loaded;
  }
  get listError() {
    return this.#listError;
  }
  get runId() {
    return this.#runId;
  }
  get preview() {
    return this.#preview;
  }
  get previewError() {
    return this.#previewError;
  }
  get format() {
    return this.#format;
  }
  get out() {
    return this.#out;
  }
  get exporting() {
    return this.#exporting;
  }
  get result() {
    return this.#result;
  }
  get exportError() {
    return this.#exportError;
  }
  /** The export was refused because its .zip exists: the page asks whether to overwrite it. */
  get outputExists() {
    return this.#exportError?.includes(NOT_OVERWRITTEN) ?? false;
  }
  get importing() {
    return this.#importing;
  }
  get imported() {
    return this.#imported;
  }
  get importError() {
    return this.#importError;
  }
  /** The chosen format's description and whether this run can use it. */
  get formatInfo() {
    return this.#preview?.formats.find((f) => f.format === this.#format);
  }
  /** Why the chosen format cannot be used for the chosen run, or null. */
  get unavailable(): string | null {
    return this.formatInfo?.unavailable ?? null;
  }

  async load(project: string, preferredRun?: number): Promise<void> {
    if (project !== this.#project) {
      this.#project = project;
      this.#runs = [];
      this.#loaded = false;
      this.#runId = null;
      this.#preview = null;
      this.#result = null;
      this.#imported = null;
    }
    try {
      const runs = exportableRuns(await call('runs:list', { project }));
      if (project !== this.#project) return;
      this.#runs = runs;
      this.#listError = null;
      this.#loaded = true;
      const keep = runs.find((r) => r.id === (preferredRun ?? this.#runId));
      const first = keep ?? runs[0];
      if (first && first.id !== this.#runId) await this.selectRun(first.id);
    } catch (err) {
      this.#listError = message(err);
    }
  }

  async selectRun(runId: number): Promise<void> {
    const project = this.#project;
    if (!project) return;
    this.#runId = runId;
    this.#result = null;
    this.#exportError = null;
    try {
      const preview = await call('export:preview', { project, runId });
      if (runId !== this.#runId) return;
      this.#preview = preview;
      this.#previewError = null;
      // Keep the chosen format when the new run can use it, else the first one it can.
      if (preview.formats.find((f) => f.format === this.#format)?.unavailable)
        this.#format = preview.formats.find((f) => !f.unavailable)?.format ?? 'bundle';
      this.#outEdited = false;
      this.#out = preview.defaultOut[this.#format];
    } catch (err) {
      this.#preview = null;
      this.#previewError = message(err);
    }
  }

  selectFormat(format: ExportFormat): void {
    this.#format = format;
    this.#result = null;
    this.#exportError = null;
    if (!this.#outEdited && this.#preview) this.#out = this.#preview.defaultOut[format];
  }

  setOut(out: string): void {
    this.#out = out;
    this.#outEdited = true;
  }

  /** Exports the chosen run; `force` replaces an existing .zip (after the user confirmed it on the page). */
  async exportNow(force = false): Promise<void> {
    const project = this.#project;
    const runId = this.#runId;
    if (!project || runId === null || this.#exporting) return;
    this.#exporting = true;
    this.#exportError = null;
    this.#result = null;
    try {
      this.#result = await call('export:run', {
        project,
        runId,
        format: this.#format,
        out: this.#out,
        ...(force ? { force } : {}),
      });
    } catch (err) {
      this.#exportError = message(err);
    } finally {
      this.#exporting = false;
    }
  }

  async importBundle(bundle: string): Promise<void> {
    const project = this.#project;
    if (!project || this.#importing) return;
    this.#importing = true;
    this.#importError = null;
    this.#imported = null;
    try {
      this.#imported = await call('export:import', { project, bundle });
      await this.load(project);
    } catch (err) {
      this.#importError = message(err);
    } finally {
      this.#importing = false;
    }
  }
}
