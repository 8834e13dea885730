import { UserError } from '../errors.ts';

/** Errors that name a file and its problem (safetensors, datasets) carry this flag so the CLI prints them plainly. */
export interface SafetensorsLikeError extends Error {
  readonly userFacing: true;
}

const isUserFacing = (err: unknown): err is SafetensorsLikeError =>
  err instanceof Error && (err as Partial<SafetensorsLikeError>).userFacing === true;

/** One line for an error the user can act on, or undefined for a bug (which deserves a stack trace). */
export function describeUserFacing(err: unknown): string | undefined {
  if (err instanceof UserError || isUserFacing(err)) return err.message.split('\n')[0];
  if (err instanceof Error && 'code' in err) {
    const code = (err as NodeJS.ErrnoException).code;
    const file = (err as NodeJS.ErrnoException).path;
    if (code === 'ENOENT' && file) return `${file}: no such file or directory`;
    if (code === 'EACCES' && file) return `${file}: permission denied`;
    if (code === 'EISDIR' && file) return `${file}: is a directory, expected a file`;
  }
  if (
    err instanceof Error &&
    ['SafetensorsError', 'DatasetError', 'ModelConfigError', 'ZodError'].includes(err.name)
  ) {
    return err.message.split('\n')[0];
  }
  return undefined;
}
