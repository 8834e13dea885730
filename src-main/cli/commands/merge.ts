import type { Command } from 'commander';
import { mergeAdapterFolder } from '../../export/merged.ts';

export { writeMergedFolder } from '../../export/merged.ts';

/** `studio merge --model DIR --adapter DIR --out DIR`: fold a LoRA or IA3 adapter into the weights. */
export function register(program: Command): void {
  program
    .command('merge')
    .description('merge a LoRA or IA3 adapter into the base weights and write a Hugging Face model folder')
    .requiredOption('--model <dir>', 'Hugging Face model folder')
    .requiredOption('--adapter <dir>', 'adapter folder (PEFT format or ours)')
    .requiredOption('--out <dir>', 'output folder')
    .action(async (opts: { model: string; adapter: string; out: string }) => {
      await mergeAdapterFolder(opts.model, opts.adapter, opts.out, (w) =>
        process.stderr.write(`warning: ${w}\n`),
      );
      process.stderr.write(`wrote ${opts.out}\n`);
    });
}
