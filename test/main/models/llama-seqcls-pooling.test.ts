/**
 * Which token LlamaForSequenceClassification scores, on inputs the reference fixture does not have (left padding,
 * the pad id inside a row, a row of padding only, no pad token): transformers 5 takes the rightmost position whose id
 * is not pad_token_id, whatever the attention mask says, and the last position when the config has no pad token.
 * The expected logits are the score head applied in float64 to our own last hidden states at that position, so
 * this checks the choice of token (the body is checked against transformers in own-fixtures.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { randomTensor, seededRandom, variantFolder } from '../../helpers/model-folder.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-llama-seqcls-');
afterAll(() => tmp.cleanup());

const H = 64;
const LABELS = 3;
const PAD = 7;
const score = randomTensor([LABELS, H], 0.3, seededRandom(5));

function seqclsFolder(padTokenId: number | null): string {
  return variantFolder(tmp.dir, 'llama-lm', {
    config: (c) => {
      c.architectures = ['LlamaForSequenceClassification'];
      c.id2label = { 0: 'a', 1: 'b', 2: 'c' };
      c.label2id = { a: 0, b: 1, c: 2 };
      c.pad_token_id = padTokenId;
    },
    weights: (w) => {
      w.delete('lm_head.weight');
      w.set('score.weight', score);
    },
  });
}

/** The position transformers scores: rightmost non-pad id (0 for a row of padding only), else the last. */
function expectedPosition(row: readonly number[], pad: number | null): number {
  if (pad === null) return row.length - 1;
  let best = 0;
  row.forEach((id, i) => {
    if (id !== pad) best = i;
  });
  return best;
}

const ROWS = [
  [11, 12, 13, 14, 15, PAD, PAD, PAD], // right padding
  [PAD, PAD, PAD, 21, 22, 23, 24, 25], // left padding
  [31, PAD, 33, 34, PAD, 36, PAD, PAD], // the pad id inside the text too
  [PAD, PAD, PAD, PAD, PAD, PAD, PAD, PAD], // padding only
];
// A mask that disagrees with the ids on purpose: transformers does not read it for this choice.
const MASK: number[][] = ROWS.map((r) => r.map((_, i) => (i < 5 ? 1 : 0)));

describe.each([{ pad: PAD }, { pad: null }])(
  'LlamaForSequenceClassification, pad_token_id $pad',
  ({ pad }) => {
    it('scores the token transformers picks in each row', async () => {
      const model = loadModel(seqclsFolder(pad));
      expect(model.config.task).toBe('sequence-classification');
      const inputs = {
        inputIds: tf.tensor2d(ROWS, undefined, 'int32'),
        attentionMask: tf.tensor2d(MASK, undefined, 'int32'),
      };
      const before = tf.memory().numTensors;
      const out = model.forward(inputs);
      expect(out.logits.shape).toEqual([ROWS.length, LABELS]);
      const hidden = (await out.lastHiddenState?.data()) as Float32Array;
      const got = await out.logits.data();
      const len = (ROWS[0] as number[]).length;
      ROWS.forEach((row, r) => {
        const p = expectedPosition(row, pad);
        const h = hidden.subarray((r * len + p) * H, (r * len + p + 1) * H);
        for (let k = 0; k < LABELS; k++) {
          let want = 0;
          for (let i = 0; i < H; i++) want += (h[i] as number) * (score.data[k * H + i] as number);
          expect(Math.abs((got[r * LABELS + k] as number) - want)).toBeLessThanOrEqual(1e-4);
        }
      });
      tf.dispose([out.logits, out.lastHiddenState as tf.Tensor]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(Object.values(inputs));
      model.dispose();
    });
  },
);

it('the rule differs from "mask sum - 1" on these rows (so the test above can tell them apart)', () => {
  const positions = ROWS.map((r) => expectedPosition(r, PAD));
  const fromMask = MASK.map((m) => m.reduce((a, b) => a + b, 0) - 1);
  expect(positions).not.toEqual(fromMask);
  expect(positions).toEqual([4, 7, 5, 0]);
});
