/** The library adapters one of New run's pickers offers (its options: picker-options.ts). */
import type { AdapterEntry } from '../../src-shared/library.ts';
import { getLibrary, getProjects } from './context.ts';

/**
 * The open project's library adapters that `accepts` lets a picker offer, loaded when the project opens or
 * changes. Construct it while a component initialises (it registers an effect there).
 */
export class LibraryRunChoices {
  readonly #library = getLibrary();
  readonly #accepts: (a: AdapterEntry) => boolean;
  readonly #adapters = $derived.by(() => this.#library.adapters.filter((a) => this.#accepts(a)));

  constructor(accepts: (a: AdapterEntry) => boolean) {
    this.#accepts = accepts;
    const projects = getProjects();
    $effect(() => {
      const p = projects.current?.path;
      if (p) void this.#library.load(p);
    });
  }

  get adapters(): readonly AdapterEntry[] {
    return this.#adapters;
  }
  /** The library has been read: an empty list then means "none yet", not "still loading". */
  get loaded(): boolean {
    return this.#library.loaded;
  }
}
