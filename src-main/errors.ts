/**
 * A mistake the user can fix (missing file, bad column, malformed input). The CLI prints its message as one line
 * on stderr with no stack trace; the UI shows it where it happened.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/**
 * JSON.parse's complaint without the text it quotes (V8 echoes the start of the input, which may be a secret when
 * the user picked the wrong file): what is expected and where (line and column when `text` is given), never what
 * the file says.
 */
export function jsonSyntaxProblem(err: unknown, text?: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  const at = /^(.*?) in JSON at position (\d+)/.exec(msg);
  if (at) {
    const pos = Number(at[2]);
    let where = `at character ${pos + 1}`;
    if (text !== undefined) {
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      where = `line ${line} column ${pos - before.lastIndexOf('\n')}`;
    }
    return `not valid JSON (${at[1]?.toLowerCase()}, ${where})`;
  }
  if (/end of JSON input/i.test(msg)) return 'not valid JSON (it ends too early)';
  if (/^Unexpected token/.test(msg)) return 'not valid JSON (unexpected token)';
  return 'not valid JSON';
}
