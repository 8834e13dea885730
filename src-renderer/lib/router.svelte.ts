/** The pages of the studio, in navigation order. `ready` says whether the page's feature has been built. */
export const PAGES = [
  { id: 'projects', label: 'Projects', ready: true },
  { id: 'datasets', label: 'Datasets', ready: false },
  { id: 'models', label: 'Models', ready: false },
  { id: 'runs', label: 'Runs', ready: false },
  { id: 'compare', label: 'Compare', ready: false },
  { id: 'adapters', label: 'Adapters', ready: false },
  { id: 'export', label: 'Export', ready: false },
  { id: 'settings', label: 'Settings', ready: true },
] as const;
export type PageId = (typeof PAGES)[number]['id'];

const isPageId = (s: string): s is PageId => PAGES.some((p) => p.id === s);

/** Hash routing (`#/runs`): works the same from file:// in Electron and from the web server. */
export class Router {
  #page = $state<PageId>('projects');

  constructor() {
    this.#fromHash();
    window.addEventListener('hashchange', () => this.#fromHash());
  }

  get page(): PageId {
    return this.#page;
  }

  go(page: PageId): void {
    window.location.hash = `#/${page}`;
  }

  #fromHash(): void {
    const id = window.location.hash.replace(/^#\/?/, '').split('/')[0] ?? '';
    this.#page = isPageId(id) ? id : 'projects';
  }
}
