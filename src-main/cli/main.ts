/**
 * The `studio` command line: the same services as the desktop app, called directly. The command set and output
 * shapes are a stable contract (shared/docs/CLI.md).
 */
import { Command, CommanderError } from 'commander';
import { describeUserFacing } from '../errors.ts';
import { COMMANDS } from './commands/index.ts';

export function buildProgram(): Command {
  const program = new Command('studio')
    .description('Adapter Studio: adapter-based parameter-efficient fine-tuning')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of COMMANDS) register(program);
  return program;
}

/**
 * Runs the CLI and resolves with its exit code; user errors become one line on stderr, never a stack trace.
 * In-process callers (tests) use this; `main` is the process entry.
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  let code = 0;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      code = err.exitCode;
    } else {
      const line = describeUserFacing(err);
      if (line !== undefined) {
        process.stderr.write(`studio: ${line}\n`);
        code = 1;
      } else {
        process.stderr.write(
          `studio: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        );
        code = 70;
      }
    }
  }
  const result = code || Number(process.exitCode ?? 0) || 0;
  process.exitCode = undefined;
  return result;
}

/** The process entry: runs the CLI and exits with its code. */
export async function main(argv: string[]): Promise<void> {
  const code = await runCli(argv);
  // The wasm backend's worker threads and tf.js timers would keep the process alive after the work is done.
  process.exit(code);
}
