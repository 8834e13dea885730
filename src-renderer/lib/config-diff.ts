/** Flattening and diffing of run configs, for the Compare page's config table. */

/** A leaf of a flattened config: primitives as they are, arrays as compact JSON. */
export type ConfigLeaf = string | number | boolean | null;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Flattens nested objects into dotted keys (`{ method: { r: 8 } }` -> `{ 'method.r': 8 }`). Arrays are leaves
 * (shown as JSON), so `targets: ['query', 'value']` stays one row. An empty object is a leaf `{}`.
 */
export function flattenConfig(config: Record<string, unknown>, prefix = ''): Record<string, ConfigLeaf> {
  const out: Record<string, ConfigLeaf> = {};
  for (const [k, v] of Object.entries(config)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && Object.keys(v).length > 0) Object.assign(out, flattenConfig(v, key));
    else if (v === undefined) continue;
    else if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      out[key] = v;
    else out[key] = JSON.stringify(v);
  }
  return out;
}

/** One row of a config diff: the key and each run's value (undefined where a run lacks the key). */
export interface DiffRow {
  key: string;
  values: (ConfigLeaf | undefined)[];
  /** True when at least two runs disagree (a missing key counts as a value). */
  differs: boolean;
}

const same = (a: ConfigLeaf | undefined, b: ConfigLeaf | undefined) => a === b;

/** Lines up the flattened configs of several runs, keys sorted; `onlyDifferences` drops rows that agree. */
export function diffConfigs(configs: readonly Record<string, unknown>[], onlyDifferences = false): DiffRow[] {
  const flat = configs.map((c) => flattenConfig(c));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const rows = keys.map((key) => {
    const values = flat.map((f) => (key in f ? f[key] : undefined));
    const differs = values.some((v) => !same(v, values[0]));
    return { key, values, differs };
  });
  return onlyDifferences ? rows.filter((r) => r.differs) : rows;
}

/** How a leaf is shown in a table cell. */
export function formatLeaf(v: ConfigLeaf | undefined): string {
  if (v === undefined) return '—';
  if (v === null) return 'null';
  return String(v);
}
