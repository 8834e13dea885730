import { describe, expect, it } from 'vitest';
import type { AdapterEntry } from '../../src-shared/library.ts';
import { retick, taskNameBeside, tickedKeys } from '../../src-renderer/lib/multitask-choices.ts';
import type { TaskChoice, TaskEntry } from '../../src-renderer/lib/multitask-choices.ts';
import { adapterOption, toggled } from '../../src-renderer/lib/picker-options.ts';

const entry = (over: Partial<AdapterEntry>): AdapterEntry => ({
  runId: 3,
  name: 'lora on spam',
  method: 'lora',
  model: 'default',
  dataset: 'spam',
  metric: { name: 'accuracy', value: 0.91 },
  trainablePercent: 1,
  bytes: 10,
  labels: ['ham', 'spam'],
  finishedAt: null,
  ...over,
});

const choice = (key: string, name: string): TaskChoice => ({
  key,
  label: name.toUpperCase(),
  name,
  dataset: { sample: name },
});

describe("New run's pickers (LibraryRunPicker's options)", () => {
  it('ticks at the end and unticks in place, so the order of ticks is the order the run uses', () => {
    expect(toggled([1, 2], 3, true)).toEqual([1, 2, 3]);
    expect(toggled([1, 2, 3], 2, false)).toEqual([1, 3]);
    // A re-tick moves the key last rather than keeping it twice.
    expect(toggled([1, 2], 1, true)).toEqual([2, 1]);
    expect(toggled<number>([], 1, false)).toEqual([]);
  });

  it('names a library adapter by run id and name, with its dataset, metric and (for a router) its method', () => {
    expect(adapterOption(entry({}), 'Fuse')).toEqual({
      key: 3,
      ariaLabel: 'Fuse #3 lora on spam',
      label: '#3 lora on spam',
      detail: 'spam, accuracy 0.91',
    });
    expect(adapterOption(entry({ metric: null }), 'Route to', { withMethod: true }).detail).toBe(
      'lora on spam',
    );
  });

  it('keeps a multi-task run’s tasks as the old toggle did: appended, removed by name, unknown ones kept', () => {
    const choices = [choice('dataset:1', 'spam'), choice('names', 'names'), choice('topics', 'topics')];
    const kept = { name: 'remembered', dataset: { sample: 'gone' } };
    let tasks: TaskEntry[] = [kept];
    const tick = (key: string, on: boolean) => {
      const before = tickedKeys(tasks, choices, 'spam');
      tasks = retick(tasks, choices, 'spam', before, toggled(before, key, on));
    };
    tick('topics', true);
    tick('dataset:1', true);
    // The first task's own data as a second task is named `-2`, so metric names stay apart.
    expect(tasks.map((t) => t.name)).toEqual(['remembered', 'topics', 'spam-2']);
    expect(tickedKeys(tasks, choices, 'spam')).toEqual(['dataset:1', 'topics']);
    tick('topics', false);
    expect(tasks).toEqual([kept, { name: 'spam-2', dataset: { sample: 'spam' } }]);
    expect(taskNameBeside(choice('x', 'names'), 'spam')).toBe('names');
  });
});
