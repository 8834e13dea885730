import { resolveModelDir } from '../../models/default-model.ts';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { loadTokenizer } from '../../models/tokenizer/index.ts';

/** commander argument parser: a positive integer, else commander's one-line "argument ... is invalid" error. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** `studio tokenize --model DIR --text T [--pair T2]`: the model folder's tokenizer, special tokens added. */
export function register(program: Command): void {
  program
    .command('tokenize')
    .description("tokenize text with a model folder's tokenizer (special tokens added)")
    .requiredOption('--model <dir>', 'Hugging Face model folder')
    .requiredOption('--text <text>', 'the text')
    .option('--pair <text>', 'a second text (sentence pair)')
    .option('--max-length <n>', 'truncate to at most n tokens (longest first)', positiveInt)
    .action((opts: { model: string; text: string; pair?: string; maxLength?: number }) => {
      const tok = loadTokenizer(resolveModelDir(opts.model));
      const e = tok.encode(opts.text, { pair: opts.pair, maxLength: opts.maxLength });
      process.stdout.write(`${JSON.stringify({ ids: e.ids, tokens: e.tokens, typeIds: e.typeIds })}\n`);
    });
}
