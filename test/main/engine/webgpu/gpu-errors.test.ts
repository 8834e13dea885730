/**
 * A GPU program that fails to compile is reported only as the device's uncaptured-error event; the step that ran it
 * must fail with that error, not go on with outputs that were never computed (engine/webgpu/gpu-errors.ts). On
 * lavapipe in CI; skipped where no WebGPU adapter exists.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../src-main/errors.ts';
import { takeGpuError, throwIfGpuError } from '../../../../src-main/engine/webgpu/gpu-errors.ts';
import { runProgram } from '../../../../src-main/engine/webgpu/programs.ts';
import type { WebGpuProgram } from '../../../../src-main/engine/webgpu/backend-internals.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu error tests skipped: ${unavailable}`);

const broken = (key: string): WebGpuProgram => ({
  variableNames: ['X'],
  outputShape: [4],
  shaderKey: key,
  dispatchLayout: { x: [0] },
  dispatch: [1, 1, 1],
  workgroupSize: [4, 1, 1],
  // An f32 array element assigned a vec2: WGSL's type check rejects it.
  getUserCode: () => 'fn main(index : i32) { result[index] = vec2<f32>(1.0); }',
});

describe.skipIf(unavailable !== null)('GPU errors', () => {
  it('a program that fails to compile is reported once its work is read, then cleared', async () => {
    await tf.setBackend('webgpu');
    takeGpuError();
    const x = tf.ones([4]);
    const out = runProgram(broken('studio_test_broken'), [x]);
    await out.data();
    expect(() => throwIfGpuError()).toThrow(UserError);
    // Once raised it is cleared: later, valid work reads back without an error.
    const ok = x.add(1);
    expect([...(await ok.data())]).toEqual([2, 2, 2, 2]);
    expect(takeGpuError()).toBeNull();
    tf.dispose([x, out, ok]);
  });

  it('names the cause: the compile error, not a later "invalid due to a previous error"', async () => {
    await tf.setBackend('webgpu');
    takeGpuError();
    const x = tf.ones([4]);
    const out = runProgram(broken('studio_test_broken_2'), [x]);
    await out.data();
    expect(takeGpuError()).toMatch(/WGSL|vec2|type/i);
    tf.dispose([x, out]);
  });
});
