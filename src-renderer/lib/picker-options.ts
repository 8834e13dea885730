/**
 * What New run's pickers share (FusePicker, RouterPicker, KnowledgePicker, MultiTaskPicker, all drawn by
 * LibraryRunPicker): the options as data and ticking that keeps the order of ticks. The library adapters one
 * picker offers are LibraryRunChoices (library-run-picker.svelte.ts).
 */
import type { AdapterEntry } from '../../src-shared/library.ts';
import { formatMetric } from './format.ts';

/** One checkbox of a picker: `label (detail)`, named `ariaLabel` for assistive technology and tests. */
export interface PickerOption<K extends string | number> {
  key: K;
  ariaLabel: string;
  label: string;
  /** Shown muted, in brackets, after the label; none: nothing after it. */
  detail?: string;
}

/**
 * `chosen` with `key` ticked or unticked. A tick goes last: the order of ticks is the order a run uses (a router's
 * classes, a fusion's sources), so a re-tick moves the key to the end rather than keeping its old place.
 */
export function toggled<K>(chosen: readonly K[], key: K, on: boolean): K[] {
  const rest = chosen.filter((x) => x !== key);
  return on ? [...rest, key] : rest;
}

/** A library adapter as a picker option (`#3 lora on spam (spam, accuracy 0.91)`). */
export function adapterOption(
  a: AdapterEntry,
  verb: string,
  opts: { withMethod?: boolean } = {},
): PickerOption<number> {
  const metric = a.metric ? `, ${a.metric.name} ${formatMetric(a.metric.value)}` : '';
  return {
    key: a.runId,
    ariaLabel: `${verb} #${a.runId} ${a.name}`,
    label: `#${a.runId} ${a.name}`,
    detail: `${opts.withMethod ? `${a.method} on ` : ''}${a.dataset}${metric}`,
  };
}
