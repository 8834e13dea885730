/**
 * What main's API server (serve-api/) asks of the serving process (this folder's worker.ts): batches of
 * classify / embed / score requests, each with its own adapter, hot load / unload of adapters, and text
 * generation (`/v1/completions`). Types only: main imports this file, the worker implements it.
 */
import type { GenerateRequest, GenerationResult } from '../../src-shared/generation.ts';

/** An adapter of the library as main resolved it: a stable key (its library id) and its folder. */
export interface AdapterRef {
  key: string;
  dir: string;
}

export type ServeOp = 'classify' | 'embed' | 'score';

/** One request of a batch. `adapter` null: the base model alone. */
export interface ServeItem {
  op: ServeOp;
  adapter: AdapterRef | null;
  text: string;
  pair?: string;
  /** classify: how many labels to return (default 5). */
  topK?: number;
}

export interface LabelProbability {
  label: string;
  probability: number;
}

export interface LabelScoreRow {
  label: string;
  logit: number;
  logProbability: number;
}

export type ItemValue =
  | { op: 'classify'; labels: LabelProbability[] }
  | { op: 'embed'; embedding: number[] }
  | { op: 'score'; scores: LabelScoreRow[] };

/** Per request: a batch never fails as a whole because one adapter cannot be loaded. */
export type ItemResult = { ok: true; value: ItemValue } | { ok: false; status: 400 | 422; error: string };

export interface LoadResult {
  key: string;
  method: string;
  /** Shares a forward pass with other adapters (LoRA, bottleneck, IA3, prompt tuning). */
  mixable: boolean;
  /** Reading the folder and building its tensors; 0 when it was already loaded. */
  loadMs: number;
  alreadyLoaded: boolean;
}

export interface ServingStatus {
  backend: string;
  /** tf.js tensors alive in the serving process (a leak check: back to its start once idle). */
  numTensors: number;
  /** Tokens generated since the process started. */
  generatedTokens: number;
  models: { model: string; adapters: string[] }[];
}

export type ServingJob =
  | { type: 'batch'; model: string; items: ServeItem[] }
  | { type: 'load'; model: string; adapter: AdapterRef }
  | { type: 'unload'; model: string; key: string }
  | { type: 'status' }
  /** Progress messages: each a `GenerationPiece`, in order, before the result. */
  | { type: 'generate'; request: GenerateRequest };

/** A streamed piece of a generation: `delta` is what the column's text grew by (token `id`, -1: the tail). */
export interface GenerationPiece {
  column: string;
  id: number;
  delta: string;
}

export interface ServingResults {
  batch: ItemResult[];
  load: LoadResult;
  unload: { unloaded: boolean };
  status: ServingStatus;
  generate: GenerationResult;
}
