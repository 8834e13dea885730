/**
 * The one contract between the UI and the services (after Actual Budget's per-feature handler maps).
 *
 * Each feature declares its calls in src-shared/contract/<feature>.ts, one entry per call carrying both its zod
 * argument schema (validated at the boundary in main: the renderer is not trusted) and its result type. `calls`
 * joins the feature maps (a call declared twice fails to type-check); `Handlers` is derived from it, and
 * `checkHandlers` makes main's handler map have exactly one handler per call. The preload, the IPC registration,
 * the web bridge and the renderer client are all typed from here and nothing is restated by hand.
 */
import type { z } from 'zod';
import type { ProjectSummary, RunProgress, RunView } from './domain.ts';
import type { GenerationToken } from './generation.ts';
import { appCalls } from './contract/app.ts';
import { composeCalls } from './contract/compose.ts';
import { mergeAdaptersCalls } from './contract/merge-adapters.ts';
import { continualCalls } from './contract/continual.ts';
import { datasetsCalls } from './contract/datasets.ts';
import { join } from './contract/define.ts';
import type { ArgsSchemaOf, Duplicates, HandlersOf, ResultOf } from './contract/define.ts';
import { exportCalls } from './contract/export.ts';
import { generationCalls } from './contract/generation.ts';
import { forgettingCalls } from './contract/forgetting.ts';
import { reportCalls } from './contract/report.ts';
import { libraryCalls } from './contract/library.ts';
import { projectsCalls } from './contract/projects.ts';
import { runManageCalls } from './contract/run-manage.ts';
import { runsCalls } from './contract/runs.ts';
import { serveCalls } from './contract/serve.ts';
import { settingsCalls } from './contract/settings.ts';
import { sweepsCalls } from './contract/sweeps.ts';
import { shootoutsCalls } from './contract/shootouts.ts';

/** Every call of every feature. */
export const calls = join(
  appCalls,
  projectsCalls,
  runsCalls,
  runManageCalls,
  datasetsCalls,
  libraryCalls,
  generationCalls,
  exportCalls,
  continualCalls,
  settingsCalls,
  sweepsCalls,
  serveCalls,
  shootoutsCalls,
  composeCalls,
  mergeAdaptersCalls,
  forgettingCalls,
  reportCalls,
);

type Calls = typeof calls;
export type CallName = keyof Calls & string;
export type CallArgs<K extends CallName> = z.input<ArgsSchemaOf<Calls[K]>>;
export type ParsedCallArgs<K extends CallName> = z.output<ArgsSchemaOf<Calls[K]>>;
export type CallResult<K extends CallName> = ResultOf<Calls[K]>;
/** What each call resolves to. */
export type CallResults = { [K in CallName]: CallResult<K> };

/** The handler map: one async function per call. */
export type Handlers = HandlersOf<Calls>;

type KeysOfAll<T extends readonly object[]> = T[number] extends infer U
  ? U extends object
    ? keyof U
    : never
  : never;

/**
 * `unknown` when the feature handler maps together have exactly one handler for every call and none without a
 * call; otherwise an object naming the offending calls, which the arguments lack, so `checkHandlers` fails to
 * type-check.
 */
export type HandlerMapCheck<T extends readonly object[]> = [Duplicates<T>] extends [never]
  ? [Exclude<KeysOfAll<T>, CallName>] extends [never]
    ? [Exclude<CallName, KeysOfAll<T>>] extends [never]
      ? unknown
      : { readonly 'calls without a handler': Exclude<CallName, KeysOfAll<T>> }
    : { readonly 'handlers without a call': Exclude<KeysOfAll<T>, CallName> }
  : { readonly 'calls with more than one handler': Duplicates<T> };

/**
 * Joins main's per-feature handler maps into the one handler map. The type check: every call has exactly one
 * handler, no handler is without a call, and each handler takes the call's parsed arguments and resolves to its
 * result.
 */
export function checkHandlers<const T extends readonly Partial<Handlers>[]>(
  ...features: T & HandlerMapCheck<T>
): Handlers {
  // HandlerMapCheck has ruled out duplicates, so join's own check always passes here.
  return join(...(features as readonly object[])) as Handlers;
}

/** Push events from main to every window (name -> payload). */
export interface Events {
  'projects:changed': { projects: ProjectSummary[] };
  'server:hello': { version: string };
  'run:progress': RunProgress;
  /** A run is new or changed what the UI shows of it (status, step, message...), in this process or another. */
  'run:status': { projectPath: string; run: RunView };
  /** A run stored new metric points (up to `lastStep`): fetch them with runs:metrics. */
  'run:metrics': { projectPath: string; runId: number; lastStep: number };
  /** A run's log may have new lines: fetch them with runs:log. */
  'run:log': { projectPath: string; runId: number };
  /** A run and its artifacts were deleted (from this window, another one, or `studio runs delete`). */
  'run:deleted': { projectPath: string; runId: number };
  /** A sweep of this studio changed (a trial started, was scored at a rung, ended; the sweep ended). */
  'sweep:changed': { projectPath: string; sweepId: number };
  /** A shoot-out of this studio changed (one of its trials or sweeps). */
  'shootout:changed': { projectPath: string; shootoutId: number };
  /** A generation playground request's column grew by a token (in order, before its call resolves). */
  'generate:token': GenerationToken;
}
export type EventName = keyof Events;

export const CALL_NAMES = Object.keys(calls) as CallName[];

/** The error shape every transport uses to carry a failed call back to the caller. */
export interface CallError {
  message: string;
  /** 'invalid-args' when the payload failed validation, 'failed' when the handler threw. */
  code: 'invalid-args' | 'failed' | 'unknown-call';
  /** The argument the problem is in (`config.dataset.path`), so a form can show the message beside that field. */
  field?: string;
}
