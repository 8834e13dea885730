/**
 * Forgetting on any run (issue #19): the reference set scored by the base model as it was before training and by
 * the base as the run left it. An adapter run saves only its own weights and head, so its base is the original,
 * bit for bit; full fine-tuning saves every base weight it changed. The "after" model is the base with each saved
 * tensor that names a base weight put in its place — computed, never assumed, so a method that did touch the base
 * shows it. Scores: the base's own language-model head on the reference text (loss, perplexity, top-1 agreement)
 * and, for a labelled reference, a linear probe fitted on the base's features (loss, accuracy, agreement).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ForgettingScores } from '../../src-shared/forgetting.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { readAdapterFolder } from '../adapters/io.ts';
import { UserError } from '../errors.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { loadModel } from '../models/index.ts';
import type { Model } from '../models/index.ts';
import { loadTokenizer } from '../models/tokenizer/index.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';
import { readReference } from './forgetting-reference.ts';
import type { ReferenceSet } from './forgetting-reference.ts';
import { fitProbe, probeScores } from './forgetting-probe.ts';
import { lmScores } from './forgetting-lm.ts';
import type { LmPass } from './forgetting-lm.ts';

export interface ForgettingRequest {
  /** The run's base model: a folder or "default". */
  model: string;
  /** The folder the run saved (adapter and head, or every weight for full fine-tuning). */
  adapterDir: string;
  /** The reference, paths absolute. */
  reference: DatasetSpec;
  maxExamples: number;
  maxLength: number;
}

export interface ForgettingResult {
  scores: ForgettingScores;
  referenceSource: string;
  referenceHash: string;
}

const BATCH = 16;

/** Encoded batches of the reference texts (ids, mask, type ids), built once and scored twice. */
export interface Batch {
  rows: number;
  length: number;
  ids: Int32Array;
  mask: Int32Array;
  typeIds: Int32Array;
}

function batches(tok: TextTokenizer, ref: ReferenceSet, maxLength: number): Batch[] {
  const out: Batch[] = [];
  for (let s = 0; s < ref.texts.length; s += BATCH) {
    const part = ref.texts.slice(s, s + BATCH);
    const hasPairs = part.some((t) => t.pair !== undefined);
    const enc = tok.encodeBatch(
      part.map((t) => t.text),
      { maxLength, ...(hasPairs ? { pairs: part.map((t) => t.pair ?? '') } : {}) },
    );
    out.push({ rows: part.length, ...enc });
  }
  return out;
}

/** The mask token of the model's tokenizer (tokenizer_config.json's, else BERT's), as an id. */
function maskId(dir: string, tok: TextTokenizer): number | null {
  let token = '[MASK]';
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as {
      mask_token?: unknown;
    };
    if (typeof cfg.mask_token === 'string') token = cfg.mask_token;
  } catch {
    // No tokenizer_config.json: BERT's spelling.
  }
  const enc = tok.encode(token);
  const at = enc.tokens.indexOf(token);
  return at < 0 ? null : (enc.ids[at] ?? null);
}

/** Mean of the last hidden states over the attention mask: one feature row per text (probe input). */
async function features(model: Model, b: Batch): Promise<Float32Array> {
  const pooled = tf.tidy(() => {
    const mask = tf.tensor2d(b.mask, [b.rows, b.length], 'int32');
    const out = model.forward({
      inputIds: tf.tensor2d(b.ids, [b.rows, b.length], 'int32'),
      attentionMask: mask,
      tokenTypeIds: tf.tensor2d(b.typeIds, [b.rows, b.length], 'int32'),
    });
    const h = out.lastHiddenState;
    if (!h || h.rank !== 3)
      throw new UserError(`${model.config.modelType}: this architecture gives no hidden states to score`);
    const m = mask.toFloat().expandDims(2);
    return h.mul(m).sum(1).div(m.sum(1).maximum(1));
  });
  // Read asynchronously: a synchronous read of a GPU tensor fails on the webgpu backend under Node.
  return (await pooled.data().finally(() => pooled.dispose())) as Float32Array;
}

async function allFeatures(model: Model, bs: readonly Batch[]): Promise<Float32Array[]> {
  const rows: Float32Array[] = [];
  for (const b of bs) {
    const f = await features(model, b);
    const h = f.length / b.rows;
    for (let r = 0; r < b.rows; r++) rows.push(f.slice(r * h, (r + 1) * h));
  }
  return rows;
}

/**
 * Puts every saved tensor that is a base weight of the same shape in place; returns how many differ from the base.
 * The run's own head (another label set, a pooler the base lacks) and adapter weights name no base weight.
 */
async function applyRunWeights(model: Model, adapterDir: string): Promise<number> {
  const folder = readAdapterFolder(adapterDir);
  let changed = 0;
  for (const [name, raw] of folder.tensors) {
    if (!model.params.has(name)) continue;
    const v = model.params.get(name);
    if (raw.dtype !== 'float32') continue;
    // Saved as the store keeps them (saveAdapter writes the variables' values), so shapes match exactly.
    if (raw.shape.length !== v.shape.length || raw.shape.some((d, i) => d !== v.shape[i])) continue;
    const saved = tf.tensor(raw.data, raw.shape, 'float32');
    try {
      const all = tf.tidy(() => saved.equal(v).all());
      const same = (await all.data().finally(() => all.dispose()))[0] === 1;
      if (same) continue;
      changed++;
      v.assign(saved);
    } finally {
      saved.dispose();
    }
  }
  return changed;
}

/** Scores the reference before and after the run; the model is loaded for this call alone and disposed after. */
export async function scoreForgetting(req: ForgettingRequest): Promise<ForgettingResult> {
  const ref = readReference(req.reference, req.maxExamples);
  const dir = resolveModelDir(req.model);
  const model = loadModel(dir);
  try {
    if (model.config.inputKind !== 'text')
      throw new UserError(`${req.model}: forgetting is measured on text models; this one reads images`);
    const tok = loadTokenizer(dir);
    const bs = batches(tok, ref, req.maxLength);
    const lmTask = model.config.task === 'masked-lm' || model.config.task === 'causal-lm';
    const mask = model.config.task === 'masked-lm' ? maskId(dir, tok) : null;
    if (model.config.task === 'masked-lm' && mask === null)
      throw new UserError(`${dir}: the tokenizer has no mask token to score the masked-LM head with`);
    if (!lmTask && !ref.labelIds)
      throw new UserError(
        `${ref.source}: this base model has no language-model head, so the reference needs labels (an earlier task's dataset)`,
      );
    const objective = model.config.task === 'masked-lm' ? 'masked-lm' : 'causal-lm';
    const lmBefore: LmPass | null = lmTask ? await lmScores(model, bs, objective, mask ?? 0, null) : null;
    const featsBefore = ref.labelIds ? await allFeatures(model, bs) : null;
    const probe = featsBefore && ref.labelIds ? fitProbe(featsBefore, ref.labelIds, ref.labels.length) : null;

    const changed = await applyRunWeights(model, req.adapterDir);

    const lmAfter = lmBefore ? await lmScores(model, bs, objective, mask ?? 0, lmBefore.top1) : null;
    let classification: ForgettingScores['classification'] = null;
    if (probe && featsBefore && ref.labelIds) {
      const before = await probeScores(probe, featsBefore, ref.labelIds);
      const after = await probeScores(probe, await allFeatures(model, bs), ref.labelIds);
      probe.dispose();
      const same = before.predicted.filter((p, i) => p === after.predicted[i]).length;
      classification = {
        labels: ref.labels,
        lossBefore: before.loss,
        lossAfter: after.loss,
        accuracyBefore: before.accuracy,
        accuracyAfter: after.accuracy,
        agreement: same / before.predicted.length,
      };
    }
    return {
      referenceSource: ref.source,
      referenceHash: ref.contentHash,
      scores: {
        examples: ref.texts.length,
        baseWeightsChanged: changed,
        baseWeights: model.params.names().length,
        lm:
          lmBefore && lmAfter
            ? {
                objective,
                tokens: lmBefore.tokens,
                lossBefore: lmBefore.loss,
                lossAfter: lmAfter.loss,
                perplexityBefore: Math.exp(lmBefore.loss),
                perplexityAfter: Math.exp(lmAfter.loss),
                agreement: lmAfter.agreement,
              }
            : null,
        classification,
      },
    };
  } finally {
    model.dispose();
  }
}
