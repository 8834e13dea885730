import type { AdapterEntry } from '../../src-shared/library.ts';

/** Adapters grouped by the base model they were trained on ("default" or a folder), newest first. */
export function groupByModel(
  adapters: readonly AdapterEntry[],
): { model: string; adapters: AdapterEntry[] }[] {
  const groups = new Map<string, AdapterEntry[]>();
  for (const a of adapters) groups.set(a.model, [...(groups.get(a.model) ?? []), a]);
  return [...groups].map(([model, list]) => ({ model, adapters: list }));
}
