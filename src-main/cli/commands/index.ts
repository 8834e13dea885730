import type { Command } from 'commander';
import { register as benchServe } from './bench-serve.ts';
import { register as classify } from './classify.ts';
import { register as compose } from './compose.ts';
import { register as continual } from './continual.ts';
import { register as continualFuse } from './continual-fuse.ts';
import { register as doctor } from './doctor.ts';
import { register as evaluate } from './evaluate.ts';
import { register as exportImport } from './export.ts';
import { register as generate } from './generate.ts';
import { register as importRun } from './import-run.ts';
import { register as forgetting } from './forgetting.ts';
import { register as merge } from './merge.ts';
import { register as mergeAdapters } from './merge-adapters.ts';
import { register as predict } from './predict.ts';
import { register as runs } from './runs.ts';
import { register as serve } from './serve.ts';
import { register as shootout } from './shootout.ts';
import { register as sweep } from './sweep.ts';
import { register as tokenize } from './tokenize.ts';
import { register as train } from './train.ts';
import { register as zeroShot } from './zero-shot.ts';

/** Every command, in the order `studio --help` lists them. Adding a command = one file + one row here. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  doctor,
  tokenize,
  predict,
  merge,
  mergeAdapters,
  classify,
  generate,
  zeroShot,
  train,
  runs,
  evaluate,
  forgetting,
  continual,
  continualFuse,
  sweep,
  shootout,
  compose,
  exportImport,
  importRun,
  serve,
  benchServe,
];
