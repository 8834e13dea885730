/**
 * A form's error, placed: a call refused for one field (`CallError.field`, worded by main) is shown beside that
 * field by its FieldError; any other error is shown once for the whole form. Errors come from named sources (the
 * New run page has its preview and its Start) and the latest non-empty one is shown.
 */
import { SvelteSet } from 'svelte/reactivity';
import { getContext, setContext, untrack } from 'svelte';
import { ApiError } from './api.ts';

export interface ShownError {
  message: string;
  /** The call argument it is about (`config.dataset.path`), when main named one. */
  field?: string;
}

/** Any thrown value as the message and field a form shows. */
export function shownError(err: unknown): ShownError {
  if (isShown(err)) return err;
  if (err instanceof ApiError)
    return err.error.field
      ? { message: err.error.message, field: err.error.field }
      : { message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}

const isShown = (e: unknown): e is ShownError =>
  typeof e === 'object' &&
  e !== null &&
  !(e instanceof Error) &&
  typeof (e as ShownError).message === 'string';

export class FormErrors {
  #bySource = $state.raw<Record<string, ShownError | null>>({});
  #order = $state.raw<string[]>([]);
  /** Fields that have a FieldError on the page now. */
  #placed = new SvelteSet<string>();

  /** Sets (or with null clears) the error of one source, e.g. 'preview' or 'start'. */
  set(source: string, err: unknown): void {
    // Untracked: an effect that forwards an error here must not depend on (and so loop over) what it writes.
    untrack(() => {
      this.#bySource = { ...this.#bySource, [source]: err === null ? null : shownError(err) };
      this.#order = [...this.#order.filter((s) => s !== source), source];
    });
  }

  /** The error shown now: the one set last among those not cleared. */
  get current(): ShownError | null {
    for (const s of [...this.#order].reverse()) {
      const e = this.#bySource[s];
      if (e) return e;
    }
    return null;
  }

  /** The error of one source, whether or not it is the one shown. */
  of(source: string): ShownError | null {
    return this.#bySource[source] ?? null;
  }

  /** The message for `field`, when the error shown now is about it. */
  at(field: string): string | null {
    const e = this.current;
    return e?.field === field ? e.message : null;
  }

  /** Whether an error is shown beside a field (so the form-wide slot leaves it out). */
  isPlaced(e: ShownError | null): boolean {
    return e?.field !== undefined && this.#placed.has(e.field);
  }

  /** A FieldError's registration; the returned function unregisters it. */
  place(field: string): () => void {
    this.#placed.add(field);
    return () => this.#placed.delete(field);
  }
}

const KEY = Symbol('form-errors');
/** Gives the form's fields its errors. */
export const setFormErrors = (f: FormErrors): FormErrors => setContext(KEY, f);
/** The enclosing form's errors, if any (a field outside such a form shows none). */
export const getFormErrors = (): FormErrors | undefined => getContext<FormErrors | undefined>(KEY);
