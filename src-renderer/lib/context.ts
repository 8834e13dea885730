import { getContext, setContext } from 'svelte';
import type { CompareState } from './compare.svelte.ts';
import type { LibraryState } from './library.svelte.ts';
import type { DatasetsState } from './datasets.svelte.ts';
import type { ProjectsState } from './projects.svelte.ts';
import type { Router } from './router.svelte.ts';
import type { RunsState } from './runs.svelte.ts';
import type { ThemeState } from './theme.svelte.ts';

/** Small typed context helpers, so components never guess a key or a type. */
function contextPair<T>(key: string): [get: () => T, set: (value: T) => T] {
  const k = Symbol(key);
  return [() => getContext<T>(k), (v: T) => setContext(k, v)];
}

export const [getProjects, setProjects] = contextPair<ProjectsState>('projects');
export const [getRouter, setRouter] = contextPair<Router>('router');
export const [getRuns, setRuns] = contextPair<RunsState>('runs');
export const [getCompare, setCompare] = contextPair<CompareState>('compare');
export const [getTheme, setTheme] = contextPair<ThemeState>('theme');
export const [getDatasets, setDatasets] = contextPair<DatasetsState>('datasets');
export const [getLibrary, setLibrary] = contextPair<LibraryState>('library');
