/**
 * Schema problems in words: a zod issue becomes "Dataset file is required" with the field it belongs to, so a form
 * can show it beside that field and the CLI can print the same line for a config file. zod's own messages
 * ("Too small: expected string to have >=1 characters") and dotted paths never reach a user.
 */
import type { z } from 'zod';
import { methodDefinition } from './methods.ts';

/** A problem with one field: `field` is the dotted path in the call's arguments (`config.dataset.path`). */
export interface FieldProblem {
  field: string;
  /** The field's name as a form shows it ("Learning rate"). */
  label: string;
  /** A whole sentence that starts with the label ("Learning rate must be greater than 0"). */
  message: string;
}

/** The New-run form's labels for the train config, keyed by path inside the config. */
const CONFIG_LABELS: Record<string, string> = {
  project: 'Project',
  model: 'Base model',
  name: 'Run name',
  dataset: 'Dataset',
  'dataset.sample': 'Dataset',
  'dataset.path': 'Dataset file',
  'dataset.text': 'Text column',
  'dataset.label': 'Label column',
  'dataset.textPair': 'Second text column',
  'dataset.validation': 'Validation file',
  'dataset.validationFraction': 'Validation fraction',
  method: 'Method',
  'method.type': 'Method',
  train: 'Training',
  'train.epochs': 'Epochs',
  'train.batchSize': 'Batch size',
  'train.lr': 'Learning rate',
  'train.maxLength': 'Max length',
  'train.seed': 'Seed',
  'train.warmupRatio': 'Warm-up',
  'train.schedule': 'Schedule',
  'train.gradClip': 'Gradient clipping',
  'train.gradAccumulation': 'Gradient accumulation',
  'train.evalEvery': 'Evaluate every N steps',
  'train.evalAt': 'Evaluate at fractions of the run',
  'train.trainFraction': 'Fraction of the training split',
  'train.earlyStopping': 'Early stopping',
  'train.earlyStopping.metric': 'Early stopping',
  'train.earlyStopping.patience': 'Patience',
  'train.weightDecay': 'Weight decay',
  'train.dropout': 'Dropout',
  'train.maxSteps': 'Stop after N steps',
  'train.maxEvalExamples': 'Validation examples per evaluation',
  tasks: 'Tasks',
  // Sweeps' and shoot-outs' own fields (their configs sit in `config` too).
  'search.trials': 'Trials',
  'halving.eta': 'Keep the best 1/eta',
  'halving.rungs': 'Rungs',
  metric: 'Metric',
  fractions: 'Training data',
  methods: 'Methods',
};

/** Labels of other calls' arguments, keyed by the argument's path. */
const ARG_LABELS: Record<string, string> = {
  name: 'Name',
  folder: 'Folder',
  parentDir: 'Parent folder',
  out: 'Output path',
  format: 'Format',
  bundle: 'Bundle file',
  model: 'Base model',
  file: 'File',
  threads: 'Threads',
  backend: 'Backend',
  path: 'Folder',
  text: 'Text column',
  label: 'Label column',
  textPair: 'Second text column',
  sample: 'Sample',
  imageBase64: 'Image',
  labels: 'Labels',
  template: 'Prompt template',
  runIds: 'Adapters',
  'options.density': 'Density',
  'options.svdRank': 'SVD rank',
  'options.type': 'Combination',
};

/**
 * Lists whose entry i belongs to the adapter runIds[i] (Compose's weights and rows, Merge's weights): an entry is
 * named by that adapter, as the form labels its input ("Weight of #3").
 */
const PER_ADAPTER: Record<string, string> = {
  'block.weights': 'Weight of',
  'block.sizes': 'Rows for',
  'options.weights': 'Weight of',
};

/** `reductionFactor` -> "Reduction factor" (a method option has no label of its own unless its schema titles it). */
export const labelOf = (key: string): string => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** A method option's name as the options form shows it: its schema's title ("Rank r"), else its key in words. */
function methodOptionLabel(type: unknown, key: string): string {
  const def = typeof type === 'string' ? methodDefinition(type) : undefined;
  const shape = (def?.schema as unknown as { shape?: Record<string, z.ZodType | undefined> } | undefined)
    ?.shape;
  const title = shape?.[key]?.meta()?.title;
  return typeof title === 'string' ? title : labelOf(key);
}

const methodTypeOf = (config: unknown): unknown =>
  (config as { method?: { type?: unknown } } | undefined)?.method?.type;

/**
 * The label of a train-config path (`dataset.path`, `tasks.1.dataset.path`, `method.r`); `config` is the
 * config as given, whose method names the options' titles.
 */
export function configFieldLabel(path: readonly PropertyKey[], config?: unknown): string {
  const keys = path.map(String);
  // A sweep: its base is a train config, and each key of its space names one ("train.lr" is the learning rate).
  const base = (config as { base?: unknown } | undefined)?.base;
  if (keys[0] === 'base' && keys.length > 1) return configFieldLabel(keys.slice(1), base);
  if (keys[0] === 'space' && keys.length === 2) return configFieldLabel((keys[1] ?? '').split('.'), base);
  if (keys[0] === 'tasks' && keys.length > 1) {
    const task = `Task ${Number(keys[1]) + 1}`;
    const rest = keys.slice(2);
    if (rest.length === 0) return task;
    if (rest[0] === 'name') return `${task} name`;
    const inner = CONFIG_LABELS[rest.join('.')] ?? labelOf(rest.at(-1) ?? '');
    return `${task} ${inner.charAt(0).toLowerCase()}${inner.slice(1)}`;
  }
  const known = CONFIG_LABELS[keys.join('.')];
  if (known) return known;
  // A method's own options: the name the options form gives them.
  if (keys[0] === 'method' && keys.length === 2)
    return methodOptionLabel(methodTypeOf(config), keys[1] ?? '');
  if (/^\d+$/.test(keys.at(-1) ?? '') && keys.length > 1)
    return `${configFieldLabel(keys.slice(0, -1), config)} (entry ${Number(keys.at(-1)) + 1})`;
  return labelOf(keys.at(-1) ?? 'value');
}

/** The label of a call argument's path: inside `config` the train config's labels, else the argument's own. */
export function fieldLabel(path: readonly PropertyKey[], args?: unknown): string {
  if (path[0] === 'config')
    return configFieldLabel(path.slice(1), (args as { config?: unknown } | undefined)?.config);
  const keys = path.map(String);
  const known = ARG_LABELS[keys.join('.')];
  if (known) return known;
  const list = PER_ADAPTER[keys.slice(0, -1).join('.')];
  const runId = (args as { runIds?: unknown[] } | undefined)?.runIds?.[Number(keys.at(-1))];
  if (list && runId !== undefined) return `${list} #${String(runId)}`;
  // An entry of any other list: the list's label and the entry's place, never a bare index ("0 must be ...").
  if (/^\d+$/.test(keys.at(-1) ?? '') && keys.length > 1)
    return `${fieldLabel(path.slice(0, -1), args)} (entry ${Number(keys.at(-1)) + 1})`;
  return labelOf(keys.at(-1) ?? 'value');
}

const ZOD_DEFAULT = /^(Too small|Too big|Invalid|Unrecognized key)/;
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** What is wrong, as the end of a sentence that starts with the field's label. */
function wording(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'string')
        return n <= 1 ? 'is required' : `needs at least ${plural(n, 'character')}`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return n <= 1 ? 'needs at least one entry' : `needs at least ${n} entries`;
      return issue.inclusive === false ? `must be greater than ${n}` : `must be at least ${n}`;
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'string') return `is too long (at most ${plural(n, 'character')})`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes at most ${n} entries`;
      return issue.inclusive === false ? `must be less than ${n}` : `must be at most ${n}`;
    }
    case 'invalid_type': {
      if (/received (undefined|null)$/.test(issue.message)) return 'is required';
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number') return 'must be a number';
      if (issue.expected === 'string') return 'must be text';
      if (issue.expected === 'boolean') return 'must be on or off (true or false)';
      return `must be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_union':
      return 'is not one of the choices this field takes';
    case 'unrecognized_keys':
      return `has an unknown field: ${issue.keys.join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return ZOD_DEFAULT.test(issue.message) ? 'is not in the expected form' : issue.message;
    default:
      return ZOD_DEFAULT.test(issue.message) ? 'is not valid' : issue.message;
  }
}

/**
 * One zod issue in words, with its field. A message the schema wrote itself ("choose where to write the
 * export") is kept, after the label; zod's defaults are reworded.
 */
export function describeIssue(issue: z.core.$ZodIssue, label = fieldLabel(issue.path)): FieldProblem {
  const field = issue.path.map(String).join('.');
  const own = issue.code === 'custom' || !ZOD_DEFAULT.test(issue.message);
  const keepOwn = own && issue.code !== 'invalid_type';
  const message = keepOwn
    ? issue.message.toLowerCase().startsWith(label.toLowerCase())
      ? `${label}${issue.message.slice(label.length)}`
      : `${label}: ${issue.message}`
    : `${label} ${wording(issue)}`;
  return { field, label, message };
}

/** The first problem of a failed parse of a call's `args`, in words (undefined when zod reported none). */
export function firstProblem(error: z.ZodError, args?: unknown): FieldProblem | undefined {
  const issue = error.issues[0];
  return issue ? describeIssue(issue, fieldLabel(issue.path, args)) : undefined;
}
