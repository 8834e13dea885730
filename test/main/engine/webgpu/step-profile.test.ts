/**
 * The per-step profile gpu-profile prints (engine/webgpu/step-profile.ts): GPU-busy % and the gap per dispatch
 * worked out from kernel and replay times; and on webgpu (lavapipe where there is no GPU) the profile of a real
 * captured step, whose kernel times come from GPU timestamps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { stepProfile, transitionGaps } from '../../../../src-main/engine/webgpu/step-profile.ts';
import { StepRecorder } from '../../../../src-main/engine/webgpu/step-capture.ts';
import { webgpuBackend } from '../../../../src-main/engine/webgpu/backend-internals.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();

afterAll(async () => {
  await tf.setBackend(unavailable ? 'cpu' : 'webgpu');
});

describe('step profile', () => {
  it('GPU-busy % is kernel time over replay time; the gap is the rest per dispatch', () => {
    const times = [
      { label: 'a[2]', ms: 1.5 },
      { label: 'b[2]', ms: 2.5 },
      { label: 'a[2]', ms: 2 },
    ];
    // 6 ms of kernels in an 8 ms replay: 75% busy, 2 ms over 3 dispatches = 666.67 µs each.
    expect(stepProfile({ kernels: 3, passes: 1, copies: 0 }, times, 8)).toEqual({
      dispatches: 3,
      passes: 1,
      copies: 0,
      kernelMs: 6,
      replayMs: 8,
      busyPercent: 75,
      gapUsPerDispatch: 666.67,
    });
  });

  it('refuses kernel times of another step and a replay time that is not positive', () => {
    expect(() => stepProfile({ kernels: 2, passes: 1, copies: 0 }, [{ label: 'a', ms: 1 }], 5)).toThrow(
      /1 kernel times for a step of 2/,
    );
    expect(() => stepProfile({ kernels: 0, passes: 0, copies: 0 }, [], 0)).toThrow(/positive/);
  });

  it('a transition costs its pair pass less both kernels alone, averaged by class', () => {
    const kernels = [
      { label: 'mm[4]', ms: 1 },
      { label: 'add[4]', ms: 0.5 },
      { label: 'mm[4]', ms: 1 },
      { label: 'add[4]', ms: 0.5 },
      { label: 'add[4]', ms: 0.25 },
    ];
    const pairs = [
      { labels: ['mm[4]', 'add[4]'], ms: 1.51 }, // 10 µs
      { labels: ['mm[4]', 'add[4]'], ms: 1.53 }, // 30 µs
      { labels: ['add[4]'], ms: 0.25 }, // a pass of one (a copy ended the last): no transition
    ];
    const cls = (l: string) => l.replace(/\[.*$/, '');
    const gaps = transitionGaps(kernels, pairs, cls);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]?.transition).toBe('mm>add');
    expect(gaps[0]?.count).toBe(2);
    expect(gaps[0]?.meanUs).toBeCloseTo(20, 6);
    // Passes that are not the same dispatches as the kernels are refused.
    expect(() => transitionGaps(kernels, [{ labels: ['add[4]', 'mm[4]'], ms: 1 }], cls)).toThrow(
      /does not match/,
    );
    expect(() => transitionGaps(kernels, pairs.slice(0, 2), cls)).toThrow(/4 dispatches in the passes, 5/);
  });

  it.skipIf(unavailable !== null)('profiles a captured step with GPU timestamps', async () => {
    if (!webgpuBackend()?.device.features?.has?.('timestamp-query')) return;
    const w = tf.variable(tf.ones([64, 64]), true);
    const x = tf.ones([8, 64]);
    const step = () => [tf.tidy(() => tf.relu(tf.matMul(x, w)).sum())];
    tf.dispose(step()); // uploads x and w: the recorded steps then are the same program
    const recorder = new StepRecorder({ state: [w] });
    for (let i = 0; i < 2; i++) tf.dispose(recorder.record([], step));
    const captured = recorder.build();
    const t0 = performance.now();
    await captured.replay([], [w]);
    const replayMs = performance.now() - t0;
    const times = await captured.profile([], [w]);
    const p = stepProfile(captured, times, replayMs);
    expect(p.dispatches).toBe(times.length);
    expect(p.dispatches).toBeGreaterThanOrEqual(3); // product, relu, sum
    expect(p.kernelMs).toBeGreaterThan(0);
    expect(p.busyPercent).toBeGreaterThan(0);
    // The same dispatches in pairs, and in the plain replay's one pass.
    const pairs = await captured.profilePasses([], [w], 2);
    expect(pairs.flatMap((q) => q.labels)).toEqual(times.map((t) => t.label));
    expect(pairs[0]?.labels).toHaveLength(2);
    expect(transitionGaps(times, pairs, (l) => l).length).toBeGreaterThan(0);
    const whole = await captured.profilePasses([], [w], Infinity);
    expect(whole).toHaveLength(captured.passes);
    expect(whole[0]?.labels).toHaveLength(times.length);
    captured.dispose();
    tf.dispose([w, x]);
  });
});
