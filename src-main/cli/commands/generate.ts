import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { DEFAULT_SAMPLING } from '../../../src-shared/generation.ts';
import type { GenerationColumn, SamplingOptions } from '../../../src-shared/generation.ts';
import { activeBackend, initBackend } from '../../engine/backends.ts';
import { generate } from '../../inference/generate/index.ts';
import { ModelCache } from '../../inference/predict.ts';
import { positiveInt } from './tokenize.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

/** commander parsers: a number in [min, max], or a non-negative integer. */
const numberIn = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
  return n;
};
const nonNegativeInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer of 0 or more.');
  return n;
};

interface Options {
  model: string;
  adapter: string[];
  withBase?: boolean;
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  stop: string[];
  cache: boolean;
  eos: boolean;
  json?: boolean;
  bench?: boolean;
}

const benchLine = (c: GenerationColumn, useCache: boolean, backend: string) =>
  `${c.title}: ${c.ids.length} tokens in ${c.totalMs.toFixed(0)} ms (prefill ${c.prefillMs.toFixed(1)} ms), ` +
  `${c.tokensPerSecond === null ? '-' : c.tokensPerSecond.toFixed(1)} tokens/s after prefill, ` +
  `cache ${useCache ? 'on' : 'off'}, ${backend}\n`;

/**
 * `studio generate --model DIR [--adapter DIR ...] --prompt TEXT [sampling options] [--json] [--bench]`: text
 * from a causal LM (GPT-2, Llama), with an adapter or several, streamed as it is generated.
 */
export function register(program: Command): void {
  program
    .command('generate')
    .description('generate text with a causal language model (GPT-2, Llama) and its adapters, streamed')
    .requiredOption('--model <dir>', 'Hugging Face model folder, or "default"')
    .option(
      '--adapter <dir>',
      'adapter folder (repeat for several; each generates in turn)',
      collect,
      [] as string[],
    )
    .option('--with-base', 'with --adapter: also generate with the base alone, first')
    .requiredOption('--prompt <text>', 'the text to continue')
    .option('--max-new-tokens <n>', 'new tokens at most', positiveInt, DEFAULT_SAMPLING.maxNewTokens)
    .option('--temperature <t>', '0: greedy; otherwise sample from logits / t', numberIn(0, 100), 0)
    .option('--top-k <k>', 'sample among the k most probable tokens (0: all)', nonNegativeInt, 0)
    .option(
      '--top-p <p>',
      'sample among the most probable tokens that make up p (1: all)',
      numberIn(0.000001, 1),
      1,
    )
    .option('--seed <n>', "the sampler's seed", nonNegativeInt, 0)
    .option('--stop <text>', 'stop when the text contains this (repeat for several)', collect, [] as string[])
    .option('--no-cache', 're-run the whole sequence every step instead of caching keys and values')
    .option('--no-eos', "keep going past the model's end-of-sequence token")
    .option('--json', 'print one JSON line: text, prompt and generated ids, why it stopped, timings')
    .option('--bench', 'after the text, print tokens/s per column (on stderr)')
    .action(async (opts: Options) => {
      await initBackend();
      const options: SamplingOptions = {
        maxNewTokens: opts.maxNewTokens,
        temperature: opts.temperature,
        topK: opts.topK,
        topP: opts.topP,
        seed: opts.seed,
        stop: opts.stop,
        useCache: opts.cache,
        stopAtEos: opts.eos,
      };
      const adapters = opts.adapter.map((dir) => ({
        key: dir,
        title: path.basename(path.resolve(dir)),
        dir,
      }));
      const several = adapters.length + (adapters.length === 0 || opts.withBase ? 1 : 0) > 1;
      let current = '';
      const cache = new ModelCache();
      try {
        const result = await generate(
          cache,
          {
            model: opts.model,
            adapters,
            prompt: opts.prompt,
            options,
            skipBase: adapters.length > 0 && !opts.withBase,
          },
          (piece) => {
            if (opts.json) return;
            if (several && piece.column !== current) {
              const title =
                piece.column === 'base' ? 'Base model' : path.basename(path.resolve(piece.column));
              process.stdout.write(`${current ? '\n' : ''}== ${title} ==\n`);
            }
            current = piece.column;
            if (piece.delta) process.stdout.write(piece.delta);
          },
        );
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else process.stdout.write('\n');
        for (const c of result.columns) {
          if (c.error) process.stderr.write(`${c.title}: ${c.error}\n`);
          else if (opts.bench)
            process.stderr.write(benchLine(c, options.useCache, activeBackend() ?? 'unknown backend'));
        }
        if (result.columns.some((c) => c.error)) process.exitCode = 1;
      } finally {
        cache.dispose();
      }
    });
}
