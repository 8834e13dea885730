import type { ColumnMapping, DatasetDraft, DatasetLimits, DatasetView } from '../../src-shared/datasets.ts';
import type { SampleView } from '../../src-shared/domain.ts';
import { call } from './api.ts';
import { checkDatasetFile } from './dataset-file-check.ts';
import { fileToBase64 } from './file-base64.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What is in progress, so the right button shows it and the others wait. */
export type DatasetsBusy =
  | 'import'
  | 'preview'
  | 'save'
  | 'discard'
  | 'stats'
  | `sample:${string}`
  | `delete:${number}`;

/** The open project's datasets, the file being imported (the draft) and the selected record. */
export class DatasetsState {
  #project: string | null = null;
  #list = $state.raw<DatasetView[]>([]);
  #samples = $state.raw<SampleView[]>([]);
  #limits = $state.raw<DatasetLimits | null>(null);
  #loaded = $state(false);
  #draft = $state.raw<DatasetDraft | null>(null);
  #selectedId = $state<number | null>(null);
  #busy = $state<DatasetsBusy | null>(null);
  /** Loading the list, adding a sample or deleting failed. */
  #error = $state<string | null>(null);
  /** Importing, re-mapping or saving the draft failed (shown in the import panel). */
  #importError = $state<string | null>(null);
  /** Bumped per preview request, so a slow answer for an older mapping never overwrites a newer one. */
  #previewSeq = 0;

  readonly selected = $derived.by(() => this.#list.find((d) => d.id === this.#selectedId) ?? null);

  get list() {
    return this.#list;
  }
  get limits() {
    return this.#limits;
  }
  get samples() {
    return this.#samples;
  }
  get loaded() {
    return this.#loaded;
  }
  get draft() {
    return this.#draft;
  }
  get busy() {
    return this.#busy;
  }
  get error() {
    return this.#error;
  }
  get importError() {
    return this.#importError;
  }

  async #work<T>(busy: DatasetsBusy, onError: (m: string) => void, job: () => Promise<T>) {
    this.#busy = busy;
    try {
      return await job();
    } catch (err) {
      onError(message(err));
      return undefined;
    } finally {
      this.#busy = null;
    }
  }

  /** Loads the project's datasets (and the samples once); switching projects drops the other one's draft. */
  async load(project: string): Promise<void> {
    if (project !== this.#project) {
      this.#project = project;
      this.#draft = null;
      this.#selectedId = null;
      this.#importError = null;
      this.#loaded = false;
    }
    this.#error = null;
    try {
      this.#limits ??= await call('datasets:limits', {});
      if (this.#samples.length === 0) this.#samples = await call('datasets:samples', {});
      const list = await call('datasets:list', { project });
      if (project === this.#project) this.#list = list;
    } catch (err) {
      this.#error = message(err);
    } finally {
      this.#loaded = true;
    }
  }

  async importFile(file: File): Promise<void> {
    const project = this.#project;
    if (!project) return;
    // Main checks again; this only spares reading a file it would refuse.
    this.#importError = this.#limits ? checkDatasetFile(file, this.#limits) : null;
    if (this.#importError) return;
    await this.#work(
      'import',
      (m) => (this.#importError = m),
      async () => {
        const contentBase64 = await fileToBase64(file);
        this.#draft = await call('datasets:import', { project, name: file.name, contentBase64 });
      },
    );
  }

  /** Previews the draft with another mapping; the page shows the new error (or stats) as soon as it comes. */
  async remap(mapping: ColumnMapping): Promise<void> {
    const project = this.#project;
    const draft = this.#draft;
    if (!project || !draft) return;
    const seq = ++this.#previewSeq;
    await this.#work(
      'preview',
      (m) => (this.#importError = m),
      async () => {
        const next = await call('datasets:preview', { project, file: draft.file, mapping });
        if (seq === this.#previewSeq) {
          this.#draft = next;
          this.#importError = null;
        }
      },
    );
  }

  async saveDraft(name?: string): Promise<void> {
    const project = this.#project;
    const draft = this.#draft;
    if (!project || !draft) return;
    const mapping = draft.mapping.text && draft.mapping.label ? (draft.mapping as ColumnMapping) : undefined;
    await this.#work(
      'save',
      (m) => (this.#importError = m),
      async () => {
        const saved = await call('datasets:save', {
          project,
          file: draft.file,
          ...(mapping ? { mapping } : {}),
          ...(name?.trim() ? { name: name.trim() } : {}),
        });
        this.#draft = null;
        this.#importError = null;
        this.#list = await call('datasets:list', { project });
        this.#selectedId = saved.id;
      },
    );
  }

  /** Drops the draft; its stored copy is removed unless a saved record uses it. */
  async discardDraft(): Promise<void> {
    const project = this.#project;
    const draft = this.#draft;
    if (!project || !draft) return;
    await this.#work(
      'discard',
      (m) => (this.#importError = m),
      async () => {
        await call('datasets:discard', { project, file: draft.file });
        this.#draft = null;
        this.#importError = null;
      },
    );
  }

  async addSample(sample: string): Promise<void> {
    const project = this.#project;
    if (!project) return;
    await this.#work(
      `sample:${sample}`,
      (m) => (this.#error = m),
      async () => {
        const added = await call('datasets:add-sample', { project, sample });
        this.#list = await call('datasets:list', { project });
        this.#selectedId = added.id;
      },
    );
  }

  /** Selects a record; one written by a run before this page existed gets its histogram computed now. */
  async select(id: number | null): Promise<void> {
    this.#selectedId = id;
    const project = this.#project;
    const d = this.selected;
    if (!project || !d || d.stats.lengthHistogram || d.kind === 'image') return;
    await this.#work(
      'stats',
      (m) => (this.#error = m),
      async () => {
        const fresh = await call('datasets:stats', { project, id: d.id });
        this.#list = this.#list.map((x) => (x.id === fresh.id ? fresh : x));
      },
    );
  }

  async remove(id: number): Promise<void> {
    const project = this.#project;
    if (!project) return;
    await this.#work(
      `delete:${id}`,
      (m) => (this.#error = m),
      async () => {
        await call('datasets:delete', { project, id });
        if (this.#selectedId === id) this.#selectedId = null;
        this.#list = await call('datasets:list', { project });
      },
    );
  }
}
