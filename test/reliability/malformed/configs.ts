/**
 * Train configs that must be refused before anything is written: every size cap of the pre-flight, unknown keys,
 * wrong types, non-finite and negative numbers, impossible methods for the model, bad project paths.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ConfigCase {
  name: string;
  /** The config's `method` and `train` blocks and top-level extras, merged onto a valid config. */
  patch?: Record<string, unknown>;
  /** Raw text of the config file instead (for what JSON.stringify cannot write). */
  raw?: (valid: string) => string;
  /** What the one line must name (the config file is always named too, unless `names` says otherwise). */
  expect: RegExp;
  /** The project path to use instead of a fresh one. */
  project?: (dir: string) => string;
}

const lora = (o: Record<string, unknown>) => ({ method: { type: 'lora', ...o } });
const train = (o: Record<string, unknown>) => ({ train: { maxSteps: 1, maxLength: 16, ...o } });

export const CONFIG_CASES: ConfigCase[] = [
  { name: 'not JSON', raw: (v) => v.slice(0, -3), expect: /: not valid JSON/ },
  { name: 'NaN', raw: (v) => v.replace('"lr":0.001', '"lr":NaN'), expect: /: not valid JSON/ },
  {
    name: 'Infinity (1e400)',
    raw: (v) => v.replace('"lr":0.001', '"lr":1e400'),
    expect: /Learning rate must be a number \(train\.lr\)$/,
  },
  {
    name: 'unknown top-level key',
    patch: { colour: 'blue' },
    expect: /config: Unrecognized key.*colour|colour/,
  },
  {
    name: 'unknown train key',
    patch: train({ speed: 11 }),
    expect: /Training has an unknown field: speed \(train\)$/,
  },
  {
    name: 'unknown method',
    patch: { method: { type: 'magic' } },
    expect: /Method is not one of .* \(method\.type\)$/,
  },
  {
    name: 'unknown lora key',
    patch: lora({ rank: 8 }),
    expect: /Method has an unknown field: rank \(method\)$/,
  },
  {
    name: 'lora.r 1e9',
    patch: lora({ r: 1e9 }),
    expect: /method\.r: lora\.r 1000000000 is larger than the layer width 64; use at most 64/,
  },
  {
    name: 'lora.r 100000',
    patch: lora({ r: 100000 }),
    expect: /method\.r: lora\.r 100000 .* use at most 64/,
  },
  { name: 'lora.r 2.5', patch: lora({ r: 2.5 }), expect: /Rank r must be a whole number \(method\.r\)$/ },
  { name: 'lora.r -1', patch: lora({ r: -1 }), expect: /Rank r must be greater than 0 \(method\.r\)$/ },
  { name: 'lora.r as text', patch: lora({ r: '8' }), expect: /Rank r must be a number \(method\.r\)$/ },
  {
    name: 'lora.alpha 0',
    patch: lora({ alpha: 0 }),
    expect: /Alpha must be greater than 0 \(method\.alpha\)$/,
  },
  {
    name: 'lora.dropout 1.5',
    patch: lora({ dropout: 1.5 }),
    expect: /Dropout must be less than 1 \(method\.dropout\)$/,
  },
  {
    name: 'lora targets match nothing',
    patch: lora({ targets: ['nothing_here'] }),
    expect: /lora\.targets \["nothing_here"\] match no module/,
  },
  {
    name: 'bottleneckSize 1e9',
    patch: { method: { type: 'bottleneck', bottleneckSize: 1e9 } },
    expect: /method\.bottleneckSize: 1000000000 is larger than the hidden size 64; use at most 64/,
  },
  {
    name: 'reductionFactor 1e9',
    patch: { method: { type: 'bottleneck', reductionFactor: 1e9 } },
    expect: /method\.reductionFactor: .*use at most 64/,
  },
  {
    name: 'reductionFactor 0',
    patch: { method: { type: 'bottleneck', reductionFactor: 0 } },
    expect: /Reduction factor must be greater than 0 \(method\.reductionFactor\)$/,
  },
  {
    name: 'virtualTokens 1e6',
    patch: { method: { type: 'prompt', virtualTokens: 1e6 } },
    expect: /method\.virtualTokens: 1000000 .* use at most 112/,
  },
  {
    name: 'prefixLength 1e6',
    patch: { method: { type: 'prefix', prefixLength: 1e6 } },
    expect: /method\.prefixLength: 1000000 .* use at most 128/,
  },
  { name: 'conv on a transformer', patch: { method: { type: 'conv' } }, expect: /conv adapters need a CNN/ },
  {
    name: 'maxLength 1e9',
    patch: train({ maxLength: 1e9 }),
    expect: /train\.maxLength: 1000000000 is longer than the model's 128 positions; use at most 128/,
  },
  {
    name: 'batchSize 1e9',
    patch: train({ batchSize: 1e9 }),
    expect: /train\.batchSize: 1000000000 needs about .* use at most \d+/,
  },
  {
    name: 'batchSize 0',
    patch: train({ batchSize: 0 }),
    expect: /Batch size must be greater than 0 \(train\.batchSize\)$/,
  },
  {
    name: 'epochs -1',
    patch: train({ epochs: -1 }),
    expect: /Epochs must be greater than 0 \(train\.epochs\)$/,
  },
  {
    name: 'lr as text',
    patch: train({ lr: 'fast' }),
    expect: /Learning rate must be a number \(train\.lr\)$/,
  },
  {
    name: 'maxSteps 2.5',
    patch: train({ maxSteps: 2.5 }),
    expect: /must be a whole number \(train\.maxSteps\)$/,
  },
  {
    name: 'gradAccumulation -2',
    patch: train({ gradAccumulation: -2 }),
    expect: /Gradient accumulation must be greater than 0 \(train\.gradAccumulation\)$/,
  },
  {
    name: 'warmupRatio 2',
    patch: train({ warmupRatio: 2 }),
    expect: /Warm-up must be at most 1 \(train\.warmupRatio\)$/,
  },
  {
    name: 'earlyStopping metric that does not exist',
    patch: train({ earlyStopping: { metric: 'f1score', patience: 2 } }),
    expect:
      /train\.earlyStopping\.metric: "f1score" is not a metric of classification; use one of accuracy, macroF1, loss/,
  },
  {
    name: 'earlyStopping patience 0',
    patch: train({ earlyStopping: { metric: 'loss', patience: 0 } }),
    expect: /Patience must be greater than 0 \(train\.earlyStopping\.patience\)$/,
  },
  {
    name: 'dataset column missing',
    patch: { dataset: { text: 'body' } },
    expect: /column "body" \(text\) not found/,
  },
  {
    name: 'project is a file',
    project: (dir) => {
      const f = path.join(dir, 'project-file');
      fs.writeFileSync(f, 'x');
      return f;
    },
    expect: /project-file: "project" is a file/,
  },
  {
    name: 'project under a file',
    project: (dir) => {
      const f = path.join(dir, 'parent-file');
      fs.writeFileSync(f, 'x');
      return path.join(f, 'project');
    },
    expect: /parent-file(\/project)?: .*(file|not a folder)/,
  },
  {
    name: 'project is a folder of other files',
    project: (dir) => {
      const f = path.join(dir, 'busy-folder');
      fs.mkdirSync(f);
      fs.writeFileSync(path.join(f, 'notes.txt'), 'x');
      return f;
    },
    expect: /busy-folder: "project" is a folder with other files/,
  },
];
