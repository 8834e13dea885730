import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { handlers, dir: tmpDir } = serviceTestContext('studio-run-manager-');

const dataset = (name: string) => ({ path: path.join(OWN_FIXTURES_DIR, `datasets/continual-${name}.csv`) });

describe('runs started from the UI get the Settings page’s environment', () => {
  it('a continual run trains on the backend the Settings page chose (here one that is not installed)', async () => {
    // tfjs-node-gpu cannot install on these machines (ENGINE-NOTES.md): a run that honours the setting fails at
    // once naming it; one that ignored the setting would train on the default backend instead.
    await handlers['settings:set']({ threads: null, backend: 'tfjs-node-gpu' });
    const project = await handlers['projects:create']({ name: 'settings', parentDir: tmpDir });
    const { runId } = await handlers['continual:start']({
      config: {
        project: project.path,
        model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
        tasks: [
          { name: 'sentiment', dataset: dataset('sentiment') },
          { name: 'topic', dataset: dataset('topic') },
        ],
        method: { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false },
        train: {
          epochs: 1,
          batchSize: 8,
          lr: 0.001,
          maxLength: 16,
          seed: 0,
          warmupRatio: 0,
          schedule: 'linear',
          gradClip: 1,
          gradAccumulation: 1,
          evalEvery: 0,
          weightDecay: 0,
          dropout: false,
        },
      },
    });
    const deadline = Date.now() + 240_000;
    let run = await handlers['runs:get']({ project: project.path, runId });
    while ((run.status === 'running' || run.status === 'queued') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      run = await handlers['runs:get']({ project: project.path, runId });
    }
    expect(run.status).toBe('failed');
    expect(run.message).toContain('tfjs-node-gpu');
  });
});
