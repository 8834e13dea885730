/** A malformed or unreadable safetensors file: the message names the file and the problem, in one line. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  readonly userFacing = true;
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
