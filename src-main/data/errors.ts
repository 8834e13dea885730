/** Bad input in a dataset: names the file and, where it has one, the 1-based line (or the image's file name). */
export class DatasetError extends Error {
  override name = 'DatasetError';
  readonly userFacing = true;
  constructor(
    readonly file: string,
    problem: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${problem}`);
  }
}
