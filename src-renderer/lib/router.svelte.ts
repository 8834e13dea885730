/** The pages of the studio, in navigation order. `ready` says whether the page's feature has been built. */
export const PAGES = [
  { id: 'projects', label: 'Projects', ready: true },
  { id: 'datasets', label: 'Datasets', ready: true },
  { id: 'models', label: 'Models', ready: true },
  { id: 'new-run', label: 'New run', ready: true },
  { id: 'runs', label: 'Runs', ready: true },
  { id: 'compare', label: 'Compare', ready: true },
  { id: 'adapters', label: 'Adapters', ready: true },
  { id: 'compose', label: 'Compose', ready: true },
  { id: 'continual', label: 'Continual', ready: true },
  { id: 'experiments', label: 'Experiments', ready: true },
  { id: 'export', label: 'Export', ready: true },
  { id: 'settings', label: 'Settings', ready: true },
] as const;
export type PageId = (typeof PAGES)[number]['id'];

const isPageId = (s: string): s is PageId => PAGES.some((p) => p.id === s);

/** Hash routing (`#/runs`): works the same from file:// in Electron and from the web server. */
export class Router {
  #page = $state<PageId>('projects');
  /** The rest of the hash after the page, e.g. the run id in #/runs/3. */
  #param = $state<string | null>(null);

  constructor() {
    this.#fromHash();
    window.addEventListener('hashchange', () => this.#fromHash());
  }

  get page(): PageId {
    return this.#page;
  }

  get param(): string | null {
    return this.#param;
  }

  go(page: PageId, param?: string | number): void {
    window.location.hash = param === undefined ? `#/${page}` : `#/${page}/${param}`;
  }

  #fromHash(): void {
    const [id = '', param] = window.location.hash.replace(/^#\/?/, '').split('/');
    this.#page = isPageId(id) ? id : 'projects';
    this.#param = param ?? null;
  }
}
