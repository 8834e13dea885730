import { UserError } from '../errors.ts';

/**
 * Bad input in a dataset. The message always starts with the file (and, where there is one, its 1-based line)
 * so the CLI can print it as one line and the UI can point at the culprit; `problem` is the same text without
 * the location, for UIs that show the file separately.
 */
export class DatasetError extends UserError {
  override name = 'DatasetError';
  /** What is wrong, without the location prefix. */
  readonly problem: string;

  /**
   * @param file the file or folder at fault (or `sample:<name>`, or `dataset` for the config itself)
   * @param problem what is wrong, one line, no trailing period
   * @param line 1-based physical line in `file`, when the problem has one
   */
  constructor(
    readonly file: string,
    problem: string,
    readonly line?: number,
  ) {
    // One line always: a value echoed into the message must not break the CLI's single-line contract.
    const oneLine = problem.replace(/\s*[\r\n]+\s*/g, ' ');
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${oneLine}`);
    this.problem = oneLine;
  }
}
