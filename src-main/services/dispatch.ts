import { calls } from '../../src-shared/contract.ts';
import type { CallError, CallName, Handlers } from '../../src-shared/contract.ts';
import { firstProblem } from '../../src-shared/field-errors.ts';
import { describeUserFacing, UserError } from '../errors.ts';

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: CallError };

const isCallName = (name: string): name is CallName => Object.hasOwn(calls, name);

/**
 * The one boundary every transport goes through: validates the untrusted payload with the call's zod schema,
 * runs the handler, and turns failures into a CallError (a user-facing message; bugs are logged, not leaked).
 */
export async function dispatch(handlers: Handlers, name: string, rawArgs: unknown): Promise<DispatchResult> {
  if (!isCallName(name))
    return { ok: false, error: { code: 'unknown-call', message: `unknown call: ${name}` } };
  const parsed = calls[name].args.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    // In words and with its field, never zod's path and message: a form shows it beside the field.
    const problem = firstProblem(parsed.error, rawArgs);
    return {
      ok: false,
      error: problem
        ? {
            code: 'invalid-args',
            message: problem.message,
            ...(problem.field ? { field: problem.field } : {}),
          }
        : { code: 'invalid-args', message: `${name}: invalid arguments` },
    };
  }
  try {
    // The schema and handler are looked up by the same key; TypeScript cannot correlate the union here.
    const handler = handlers[name] as (args: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    const message = describeUserFacing(err);
    if (message === undefined) console.error(`[studio] ${name} failed:`, err);
    return {
      ok: false,
      error: {
        code: 'failed',
        message: message ?? `${name} failed: ${(err as Error).message}`,
        ...(err instanceof UserError && err.field ? { field: err.field } : {}),
      },
    };
  }
}
