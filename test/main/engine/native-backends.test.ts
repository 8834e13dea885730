/**
 * The backend chain with a native package that loads (tfjs-node-gpu on a CUDA workstation, tfjs-node elsewhere):
 * stand-ins from test/fixtures/native-backend, found through NODE_PATH, register the backend the real packages
 * register. The real packages need libtensorflow, which cannot be installed here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { expectSuccess, studioCli } from '../../helpers/studio-cli.ts';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-native-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const withNative = (env: Record<string, string> = {}) => ({
  NODE_PATH: path.join(REPO_ROOT, 'test/fixtures/native-backend'),
  STUDIO_BACKEND: '',
  ...env,
});

describe('native tf.js packages in the backend chain', () => {
  it('chooses tfjs-node-gpu first when it loads, and says why the rest were not used', () => {
    const r = studioCli(home, withNative())(['doctor', '--json']);
    expectSuccess(r);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as {
      backend: string;
      probed: { name: string; ok: boolean; reason: string }[];
    };
    expect(report.backend).toBe('tfjs-node-gpu');
    const reason = (name: string) => report.probed.find((p) => p.name === name)?.reason;
    expect(reason('tfjs-node-gpu')).toMatch(/chosen: .*loaded \(libtensorflow with CUDA\)/);
    expect(reason('tfjs-node')).toMatch(/not probed: tfjs-node-gpu was chosen first/);
    expect(reason('wasm')).toMatch(/available but not used/);
  });

  it('predicts the reference logits on it (STUDIO_BACKEND=tfjs-node)', () => {
    const dir = path.join(HF_TINY_DIR, 'bert-seqcls', 'base');
    const out = path.join(home, 'logits.safetensors');
    const r = studioCli(
      home,
      withNative({ STUDIO_BACKEND: 'tfjs-node' }),
    )(['predict', '--model', dir, '--inputs', path.join(dir, 'reference.safetensors'), '--output', out]);
    expectSuccess(r);
    const got = readSafetensors(out).tensors.get('logits')?.data as Float32Array;
    const want = readSafetensors(path.join(dir, 'reference.safetensors')).tensors.get('logits')
      ?.data as Float32Array;
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(Math.abs(v - (want[i] ?? NaN))).toBeLessThan(1e-4));
  });
});
