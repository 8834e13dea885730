import { UserError } from '../errors.ts';

/** Errors that name a file and its problem (safetensors, datasets) carry this flag so the CLI prints them plainly. */
export interface SafetensorsLikeError extends Error {
  readonly userFacing: true;
}

const isUserFacing = (err: unknown): err is SafetensorsLikeError =>
  err instanceof Error && (err as Partial<SafetensorsLikeError>).userFacing === true;

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
  if (err instanceof UserError || isUserFacing(err)) return err.message.split('\n')[0];
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
  if (
    err instanceof Error &&
    ['SafetensorsError', 'DatasetError', 'ModelConfigError', 'ZodError'].includes(err.name)
  ) {
    return err.message.split('\n')[0];
  }
  return undefined;
}
