import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  dropPendingCheckpoints,
  pendingCheckpointDir,
  promoteCheckpoint,
  readCheckpoint,
  recoverCheckpoint,
  writeCheckpoint,
} from '../../../src-main/training/checkpoint.ts';
import type { CheckpointState } from '../../../src-main/training/trainer.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-ckpt-');
afterAll(() => tmp.cleanup());

const state = (step: number): CheckpointState => ({
  position: { step, epoch: 0, batchInEpoch: step, best: null, evalsWithoutImprovement: 0 },
  optimizer: { step, tensors: new Map([['w', { shape: [2], data: new Float32Array([step, -step]) }]]) },
  weights: new Map([['w', { shape: [2], data: new Float32Array([step / 2, step * 2]) }]]),
});

describe('checkpoint swaps under kills', () => {
  it('a kill between the two renames leaves the previous checkpoint aside, and it is put back', () => {
    const dir = path.join(tmp.dir, 'a/checkpoint-last');
    writeCheckpoint(dir, state(3));
    // What a kill between "rename the old one aside" and "rename the new one in" leaves behind.
    fs.renameSync(dir, `${dir}.old-4194301`);
    fs.mkdirSync(`${dir}.tmp-4194301`);
    recoverCheckpoint(dir);
    expect(readCheckpoint(dir).position.step).toBe(3);
    recoverCheckpoint(dir); // nothing to do the second time
    expect(readCheckpoint(dir).position.step).toBe(3);
  });

  it('the resume point moves in only when main promotes it', () => {
    const dir = path.join(tmp.dir, 'b/checkpoint-last');
    writeCheckpoint(dir, state(2));
    const pending = pendingCheckpointDir(dir, 4);
    writeCheckpoint(pending, state(4));
    expect(readCheckpoint(dir).position.step).toBe(2);
    expect(promoteCheckpoint(pending, dir)).toBe(true);
    const now = readCheckpoint(dir);
    expect(now.position.step).toBe(4);
    expect([...(now.weights.get('w')?.data ?? [])]).toEqual([2, 8]);
    expect(fs.existsSync(pending)).toBe(false);
    // A pending folder a kill left half-written (no state.json yet) is never promoted.
    fs.mkdirSync(pending);
    expect(promoteCheckpoint(pending, dir)).toBe(false);
    expect(readCheckpoint(dir).position.step).toBe(4);
  });

  it('main promotes exactly the checkpoint its message names, even when the worker has written the next one', () => {
    const dir = path.join(tmp.dir, 'c/checkpoint-last');
    // The worker wrote step 2's and step 3's before main read the message about step 2 (a loaded machine).
    writeCheckpoint(pendingCheckpointDir(dir, 2), state(2));
    writeCheckpoint(pendingCheckpointDir(dir, 3), state(3));
    expect(promoteCheckpoint(pendingCheckpointDir(dir, 2), dir)).toBe(true);
    expect(readCheckpoint(dir).position.step).toBe(2);
    // Step 3's is still where the worker wrote it (it hashes it next), until its own message promotes it.
    expect(readCheckpoint(pendingCheckpointDir(dir, 3)).position.step).toBe(3);
    expect(promoteCheckpoint(pendingCheckpointDir(dir, 3), dir)).toBe(true);
    expect(readCheckpoint(dir).position.step).toBe(3);
    // One nobody promoted (main died) is dropped when the next trainer starts, never read.
    writeCheckpoint(pendingCheckpointDir(dir, 5), state(5));
    dropPendingCheckpoints(dir);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['checkpoint-last']);
  });
});
