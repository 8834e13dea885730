/**
 * The building blocks of the contract: one call = one entry carrying its zod argument schema and its result type,
 * and the type-level checks that join per-feature maps without losing or doubling a call.
 *
 * The per-feature contract files live here in src-shared/contract/ rather than beside their handlers in
 * src-main/services/: the renderer may not import src-main (eslint.config.js), and it is typed from these maps.
 */
import type { z } from 'zod';

/** Carries a call's result type; never present at run time (nothing reads it, only the type checker). */
declare const RESULT: unique symbol;

/** One call of the contract: the schema main validates its arguments with, and what it resolves to. */
export interface CallSpec<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly args: S;
  readonly [RESULT]: R;
}

/** Declares a call: `call(z.object({...}).strict()).returns<RunView[]>()`. */
export function call<S extends z.ZodType>(args: S): { returns<R>(): CallSpec<S, R> } {
  // The result exists only as a type: the cast adds the phantom key the checker needs.
  return { returns: <R>() => ({ args }) as CallSpec<S, R> };
}

/** A feature's map of calls (name -> CallSpec). */
export type CallMap = Readonly<Record<string, CallSpec>>;

export type ResultOf<C> = C extends CallSpec<z.ZodType, infer R> ? R : never;
export type ArgsSchemaOf<C> = C extends CallSpec<infer S, unknown> ? S : never;

/** The handlers of one feature's calls: exactly its keys, each typed by the call's parsed arguments and result. */
export type HandlersOf<M extends CallMap> = {
  [K in keyof M]: (args: z.output<ArgsSchemaOf<M[K]>>) => Promise<ResultOf<M[K]>>;
};

type AllKeys<T extends readonly object[]> = T extends readonly [infer H, ...infer R extends readonly object[]]
  ? keyof H | AllKeys<R>
  : never;

/** Keys that more than one of the maps declares. */
export type Duplicates<T extends readonly object[]> = T extends readonly [
  infer H,
  ...infer R extends readonly object[],
]
  ? (keyof H & AllKeys<R>) | Duplicates<R>
  : never;

type Intersect<T extends readonly object[]> = T extends readonly [
  infer H,
  ...infer R extends readonly object[],
]
  ? H & Intersect<R>
  : unknown;

/** The maps joined into one object type (flattened, so hovers and errors read as one map). */
export type Joined<T extends readonly object[]> = { [K in keyof Intersect<T>]: Intersect<T>[K] };

/**
 * `unknown` when no key is declared twice; otherwise an object the arguments lack, so the call of `join` fails to
 * type-check and the error names the doubled keys.
 */
export type NoDuplicates<T extends readonly object[]> = [Duplicates<T>] extends [never]
  ? unknown
  : { readonly 'declared by more than one feature': Duplicates<T> };

/**
 * Joins per-feature maps into one. A key in two maps fails to type-check (NoDuplicates) and throws at run time,
 * where a plain spread would silently keep the last one.
 */
export function join<const T extends readonly object[]>(...maps: T & NoDuplicates<T>): Joined<T> {
  const out: Record<string, unknown> = {};
  for (const map of maps as readonly object[]) {
    for (const [key, value] of Object.entries(map)) {
      if (Object.hasOwn(out, key)) throw new Error(`contract: ${key} is declared twice`);
      out[key] = value;
    }
  }
  return out as Joined<T>;
}
