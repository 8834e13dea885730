/**
 * How a replay's commands are encoded (engine/webgpu/replay-encode.ts): the parts it is submitted in (a ramp by
 * default, one part or parts of n with STUDIO_REPLAY_SUBMIT), passes broken at copies, the pipeline set only when it
 * changes. A recording encoder stands in for Dawn's, so this runs without a GPU.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RAMP_FIRST, encodeCommands, submitParts } from '../../../../src-main/engine/webgpu/replay-encode.ts';
import type { Command } from '../../../../src-main/engine/webgpu/replay-encode.ts';
import type { CommandEncoder } from '../../../../src-main/engine/webgpu/pass-timer.ts';

/** An encoder that writes what it is asked to do into `log`, one encoder per submission. */
function recorder(log: string[][]) {
  const make = (): CommandEncoder => {
    const calls: string[] = [];
    log.push(calls);
    return {
      beginComputePass: () => ({
        setPipeline: (p: unknown) => calls.push(`pipeline ${String(p)}`),
        setBindGroup: () => undefined,
        dispatchWorkgroups: () => calls.push('dispatch'),
        end: () => calls.push('end'),
      }),
      copyBufferToBuffer: () => calls.push('copy'),
    } as unknown as CommandEncoder;
  };
  return make;
}

const dispatches = (n: number, pipeline = (i: number) => `p${i % 2}`): Command[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'dispatch',
    label: `k${i}`,
    pipeline: pipeline(i),
    bindGroup: {},
    dispatch: [1, 1, 1],
  }));

const count = (calls: string[], what: string) => calls.filter((c) => c === what).length;

afterEach(() => {
  delete process.env.STUDIO_REPLAY_SUBMIT;
});

describe('replay encoding', () => {
  it('submits a step in a ramp of parts by default: small first, each next twice the last', () => {
    const parts = submitParts();
    expect([0, 1, 2, 3].map(parts)).toEqual([RAMP_FIRST, 2 * RAMP_FIRST, 4 * RAMP_FIRST, 8 * RAMP_FIRST]);
    const log: string[][] = [];
    const make = recorder(log);
    const total = 7 * RAMP_FIRST + 5;
    encodeCommands(dispatches(total), make(), undefined, { parts, next: make });
    // 16 + 32 + 64 = 112 dispatches, then the last 5.
    expect(log.map((calls) => count(calls, 'dispatch'))).toEqual([
      RAMP_FIRST,
      2 * RAMP_FIRST,
      4 * RAMP_FIRST,
      5,
    ]);
    // Every encoder's pass is ended before it is handed in.
    for (const calls of log) expect(calls.at(-1)).toBe('end');
  });

  it('submits the step whole, or in parts of n, as STUDIO_REPLAY_SUBMIT says', () => {
    const sizes = (setting: string) => {
      process.env.STUDIO_REPLAY_SUBMIT = setting;
      const log: string[][] = [];
      const make = recorder(log);
      encodeCommands(dispatches(50), make(), undefined, { parts: submitParts(), next: make });
      return log.map((calls) => count(calls, 'dispatch'));
    };
    expect(sizes('all')).toEqual([50]);
    expect(sizes('20')).toEqual([20, 20, 10]);
    // Anything else is the default ramp.
    expect(sizes('0')).toEqual([RAMP_FIRST, 2 * RAMP_FIRST, 50 - 3 * RAMP_FIRST]);
  });

  it('ends a pass at a copy and sets a pipeline only when it changes', () => {
    const log: string[][] = [];
    const make = recorder(log);
    const same = dispatches(3, () => 'p');
    const copy: Command = { kind: 'copy', src: {}, dst: {}, size: 4 };
    encodeCommands([...same, copy, ...same], make());
    expect(log).toEqual([
      [
        'pipeline p',
        'dispatch',
        'dispatch',
        'dispatch',
        'end',
        'copy',
        'pipeline p',
        'dispatch',
        'dispatch',
        'dispatch',
        'end',
      ],
    ]);
  });
});
