/**
 * A mistake the user can fix (missing file, bad column, malformed input, a config that names what the model does
 * not have): the one user-error type. Specific kinds (DatasetError, SafetensorsError, the model folder's errors)
 * extend it. The CLI prints its message as one line on stderr with no stack trace; a run records it as its
 * message; the UI shows it where it happened. Any other Error is a bug and keeps its stack trace.
 */
export class UserError extends Error {
  override name = 'UserError';
  /** The call argument to blame (`config.space.train.lr`), when one is: a form shows the message beside it. */
  readonly field: string | undefined;

  constructor(message: string, opts: { field?: string } = {}) {
    super(message);
    this.field = opts.field;
  }
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

/** Operating-system errors a user can act on (a path, the disk), as one phrase each. */
const ERRNO_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a part of this path is a file, not a folder',
  EEXIST: 'already exists',
  ENOTEMPTY: 'the folder is not empty',
  ENOSPC: 'no space left on the device (free some space and try again)',
  EDQUOT: 'disk quota exceeded (free some space and try again)',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
  // SQLite's own code for a write that found no space (the project database's disk is full).
  SQLITE_FULL: 'no space left on the device for the project database (free some space and try again)',
};

/** One line for an error the user can act on, or undefined for a bug (which deserves a stack trace). */
export function describeUserFacing(err: unknown): string | undefined {
  if (err instanceof UserError) return err.message.split('\n')[0];
  if (err instanceof Error && 'code' in err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    const file = e.path;
    const why = e.code ? ERRNO_PROBLEMS[e.code] : undefined;
    if (e.code === 'EADDRINUSE')
      return `--port ${e.port ?? ''}: already in use by another program; choose another port or leave --port out`;
    if (why && file) return `${file}: ${why}`;
    // Disk full or read-only mid-write: the system call names no file, but the problem is the user's to fix.
    if (why && ['ENOSPC', 'EDQUOT', 'EROFS', 'SQLITE_FULL'].includes(e.code ?? '')) return why;
  }
  // A config that fails its schema: zod's message names the field.
  if (err instanceof Error && err.name === 'ZodError') return err.message.split('\n')[0];
  return undefined;
}
