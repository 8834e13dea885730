/**
 * A mistake the user can fix (missing file, bad column, malformed input). The CLI prints its message as one line
 * on stderr with no stack trace; the UI shows it where it happened.
 */
export class UserError extends Error {
  override name = 'UserError';
}
