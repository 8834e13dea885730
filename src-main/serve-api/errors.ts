import { UserError } from '../errors.ts';

/**
 * A request the API refuses, with the HTTP status it is answered with: still the one user-error type (its message
 * is the answer's `error.message`), plus the status and, for a full queue, when to try again.
 */
export class ApiRefusal extends UserError {
  constructor(
    readonly status: 400 | 404 | 405 | 413 | 422 | 503,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}
