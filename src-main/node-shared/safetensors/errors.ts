import { UserError } from '../../errors.ts';

/** A malformed or unreadable safetensors file: the message names the file and the problem, in one line. */
export class SafetensorsError extends UserError {
  override name = 'SafetensorsError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
