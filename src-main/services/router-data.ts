/**
 * A router's training data, made from the routed adapters' own datasets: each input labelled with the adapter
 * whose task it came from (`01 <run name>`, `02 …`, which sort in the adapters' order, the router's class order).
 * Training inputs come from each source run's training split and the held-out ones from its validation split (the
 * same seeded split the run used), so the router is evaluated on inputs neither it nor the adapters trained on. A
 * third file holds those held-out inputs with their own task labels: the mixed-task evaluation set for the
 * router's answers (`studio evaluate --data`). A fourth, the training inputs with their own task labels, is what a
 * `layers` router (X-LoRA style) trains on: its gates learn from the tasks' answers, not from which task it is.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import { loadDataset } from '../data/load.ts';
import type { TextRow } from '../data/types.ts';
import { UserError } from '../errors.ts';
import { adapterDirOf } from './library.ts';
import { runView } from './runs.ts';

/** Where a router's data files go, inside the project. */
export const ROUTER_DATA_DIR = 'router-data';

/** `n` rows evenly spaced over `rows` (all of them when there are fewer), so a stratified split keeps its mix. */
const spread = (rows: readonly TextRow[], n: number): TextRow[] =>
  rows.length <= n
    ? [...rows]
    : Array.from({ length: n }, (_, i) => rows[Math.floor((i * rows.length) / n)] as TextRow);

/** The routing class of source `i` (1-based, zero-padded so the classes sort in source order). */
export const routeLabel = (i: number, name: string): string =>
  `${String(i + 1).padStart(2, '0')} ${name.replace(/\s+/g, ' ').trim()}`;

const jsonl = (rows: readonly { text: string; label: string }[]) =>
  rows.map((r) => JSON.stringify({ text: r.text, label: r.label })).join('\n') + '\n';

export interface RouterData {
  dir: string;
  train: string;
  validation: string;
  /** Held-out inputs of every task with their task's own labels (and each task's part as `heldout-NN.jsonl`). */
  mixedEval: string;
  /** The training inputs with their task's own labels (a `layers` router's training data). */
  mixedTrain: string;
  adapters: string[];
  /** Each adapter's routing class, `01 #3 spam adapter`, in source order. */
  routes: string[];
}

/** Writes the router's data for the library runs `ids` into the project (content-addressed, so reruns reuse it). */
export function writeRouterData(
  db: Database,
  projectDir: string,
  ids: readonly number[],
  perTask: number,
): RouterData {
  const train: { text: string; label: string }[] = [];
  const mixedTrain: { text: string; label: string }[] = [];
  const validation: { text: string; label: string }[] = [];
  const mixed: { text: string; label: string }[] = [];
  const own: { text: string; label: string }[][] = [];
  const routes: string[] = [];
  const adapters = ids.map((id, i) => {
    const run = runView(db, id);
    const dir = adapterDirOf(db, projectDir, id);
    if (run.status !== 'completed' || !dir || !fs.existsSync(dir))
      throw new UserError(`method.adapters: run ${id} has no finished adapter to route to`);
    const cfg = run.config as Partial<TrainConfig>;
    if (!cfg.dataset)
      throw new UserError(`method.adapters: run ${id} records no dataset to learn its inputs from`);
    const data = loadDataset(cfg.dataset, { seed: cfg.train?.seed ?? 0, baseDir: projectDir });
    if (data.kind !== 'classification' && data.kind !== 'pair-classification')
      throw new UserError(
        `method.adapters: run ${id} was trained on a ${data.kind} dataset, not a classification task`,
      );
    const label = routeLabel(i, `#${id} ${run.name}`);
    routes.push(label);
    for (const r of spread(data.train, perTask)) {
      train.push({ text: r.text, label });
      mixedTrain.push({ text: r.text, label: r.label });
    }
    const held = spread(data.validation, Math.ceil(perTask / 3));
    for (const r of held) {
      validation.push({ text: r.text, label });
      mixed.push({ text: r.text, label: r.label });
    }
    // Each task's part alone, for its own adapter (which answers only its task's labels).
    own.push(held.map((r) => ({ text: r.text, label: r.label })));
    return dir;
  });
  const files = {
    train: jsonl(train),
    validation: jsonl(validation),
    mixedEval: jsonl(mixed),
    mixedTrain: jsonl(mixedTrain),
  };
  const key = crypto.createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
  const dir = path.join(projectDir, ROUTER_DATA_DIR, key);
  fs.mkdirSync(dir, { recursive: true });
  const at = (f: string) => path.join(dir, f);
  fs.writeFileSync(at('train.jsonl'), files.train);
  fs.writeFileSync(at('validation.jsonl'), files.validation);
  fs.writeFileSync(at('mixed-eval.jsonl'), files.mixedEval);
  fs.writeFileSync(at('mixed-train.jsonl'), files.mixedTrain);
  own.forEach((rows, i) => fs.writeFileSync(at(`heldout-${routeLabel(i, '').trim()}.jsonl`), jsonl(rows)));
  return {
    dir,
    train: at('train.jsonl'),
    validation: at('validation.jsonl'),
    mixedEval: at('mixed-eval.jsonl'),
    mixedTrain: at('mixed-train.jsonl'),
    adapters,
    routes,
  };
}

/**
 * A `router` config over library runs, ready for the training process (which has no database): its adapters as
 * folders and its dataset the routing data made from theirs. Folders named directly keep the config's dataset
 * (it must then label each input `01 …`, `02 …` by adapter). A `layers` router trains and is validated on the
 * mixed-task files instead (each input with its own task's label). Other configs come back unchanged.
 */
export function resolveRouterConfig(db: Database, projectDir: string, config: TrainConfig): TrainConfig {
  const m = config.method;
  if (m.type !== 'router' || !(m.adapters ?? []).some((a) => typeof a === 'number')) return config;
  const adapters = m.adapters ?? [];
  if (!adapters.every((a) => typeof a === 'number'))
    throw new UserError('method.adapters: name library runs by id, or folders, not both');
  const data = writeRouterData(db, projectDir, adapters as number[], m.perTask);
  return {
    ...config,
    dataset:
      m.mode === 'layers'
        ? { path: data.mixedTrain, validation: data.mixedEval }
        : { path: data.train, validation: data.validation },
    method: { ...m, adapters: data.adapters, ...(m.mode === 'layers' ? { routes: data.routes } : {}) },
  };
}
