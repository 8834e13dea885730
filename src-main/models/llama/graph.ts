/** Llama: RMSNorm, rotary position embeddings, SwiGLU MLP and grouped-query attention; tied or untied head. */
import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from '../../engine/ops/index.ts';
import { GraphModel } from '../base/graph-model.ts';
import { mergeHeads, scaledDotAttention, splitHeads, tiedHead } from '../base/layers.ts';
import type { ForwardContext } from '../base/layers.ts';
import { textPrologue } from '../base/text-prologue.ts';
import type { ModelInputs, ModelOutputs } from '../base/types.ts';
import type { LlamaConfig } from './config.ts';
import { applyRope, ropeTables } from './rope.ts';

export class LlamaModel extends GraphModel<LlamaConfig> {
  protected run(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs {
    const c = this.config;
    // Rotary embeddings: positions enter through the rotation of queries and keys, not as added embeddings.
    const { ids, batch, seq, mask, words } = textPrologue(
      ctx,
      inputs,
      c.modelType,
      'model.embed_tokens.weight',
    );
    const { cos, sin } = ropeTables(seq, c.headDim, c.ropeTheta, ctx.positionOffset);
    let x = words.reshape([batch * seq, c.hiddenSize]) as tf.Tensor2D;
    for (let i = 0; i < c.numLayers; i++) {
      const l = `model.layers.${i}`;
      const a = ctx.rmsNorm(`${l}.input_layernorm`, x, c.eps) as tf.Tensor2D;
      const q = applyRope(
        splitHeads(ctx.linear(`${l}.self_attn.q_proj`, a), batch, seq, c.numHeads, c.headDim),
        cos,
        sin,
      );
      const { k, v, keyMask } = ctx.attentionKV(
        i,
        applyRope(
          splitHeads(ctx.linear(`${l}.self_attn.k_proj`, a), batch, seq, c.kvHeads, c.headDim),
          cos,
          sin,
        ),
        splitHeads(ctx.linear(`${l}.self_attn.v_proj`, a), batch, seq, c.kvHeads, c.headDim),
        mask,
      );
      const bias = ctx.attentionBias(keyMask, batch, seq, k.shape[2], true);
      const context = scaledDotAttention(q, k, v, bias, {
        scale: 1 / Math.sqrt(c.headDim),
        dropout: ctx.attentionDropout(c.attentionDropout),
      });
      x = ctx.residualLinear(i, 'attention', `${l}.self_attn.o_proj`, mergeHeads(context), x, 0);
      const m = ctx.rmsNorm(`${l}.post_attention_layernorm`, x, c.eps) as tf.Tensor2D;
      const gated = ctx
        .linearAct(`${l}.mlp.gate_proj`, m, c.act)
        .mul(ctx.linear(`${l}.mlp.up_proj`, m)) as tf.Tensor2D;
      x = ctx.residualLinear(i, 'ffn', `${l}.mlp.down_proj`, gated, x, 0);
    }
    const last = ctx.rmsNorm('model.norm', x, c.eps) as tf.Tensor2D;
    const lastHiddenState = last.reshape([batch, seq, c.hiddenSize]);
    if (c.task === 'sequence-classification') {
      // The score head through the sequence head hook, so adapters that answer with their own heads can.
      const logits = ctx.sequenceHead(lastHiddenState as tf.Tensor3D, (l) =>
        this.#scoreLastToken(ctx, l.reshape([batch * seq, c.hiddenSize]), ids, batch, seq),
      );
      return { logits, lastHiddenState };
    }
    const logits = c.tied
      ? tiedHead(ctx, 'lm_head', last, this.params.get('model.embed_tokens.weight'))
      : ctx.linear('lm_head', last);
    return { logits: logits.reshape([batch, seq, -1]), lastHiddenState };
  }

  /**
   * LlamaForSequenceClassification scores one token per row, chosen as transformers 5 does: the rightmost position
   * whose id is not pad_token_id (argmax of position x non-pad, so position 0 for a row of padding only; left
   * padding works too). The attention mask plays no part. Without a pad token, or when virtual tokens were
   * prepended (PEFT's prompt learning passes only embeddings, so transformers cannot see ids), it is the last
   * position of every row.
   */
  #scoreLastToken(
    ctx: ForwardContext,
    last: tf.Tensor2D,
    ids: tf.Tensor2D,
    batch: number,
    seq: number,
  ): tf.Tensor2D {
    const pad = this.config.padTokenId;
    // Integer ops throughout: tf.gather needs int32 indices, and a plain number operand would make them float.
    const pick =
      pad === null || ids.shape[1] !== seq
        ? tf.fill([batch], seq - 1, 'int32')
        : ids
            .cast('int32')
            .notEqual(tf.scalar(pad, 'int32'))
            .cast('int32')
            .mul(tf.range(0, seq, 1, 'int32'))
            .argMax(1);
    const rows = tf.range(0, batch, 1, 'int32').mul(tf.scalar(seq, 'int32')).add(pick);
    // gatherRows, not tf.gather: tf.gather's gradient needs UnsortedSegmentSum, which wasm lacks, so a
    // classification run on a Llama base could not take a step on the CPU path.
    return ctx.linear('score', gatherRows(last, rows) as tf.Tensor2D);
  }
}
