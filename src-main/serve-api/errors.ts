import { UserError } from '../errors.ts';

/**
 * A request the API refuses, with the HTTP status it is answered with: still the one user-error type (its message
 * is the answer's `error.message`), plus the status and, for a full queue, when to try again. `code` and `param`
 * fill the OpenAI-shaped error body (`model_not_found` on `model`), so OpenAI clients report the right thing.
 */
export class ApiRefusal extends UserError {
  constructor(
    readonly status: 400 | 404 | 405 | 413 | 422 | 503,
    message: string,
    readonly retryAfterS?: number,
    readonly detail: { code?: string; param?: string } = {},
  ) {
    super(message);
  }
}

/**
 * OpenAI's error `type` for a status: what its clients branch on (they raise per status, and show the type).
 * 401 is `invalid_request_error` as OpenAI answers a wrong key.
 */
export function errorType(status: number): string {
  if (status === 503) return 'overloaded_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
