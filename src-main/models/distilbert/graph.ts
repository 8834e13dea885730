/** DistilBERT: BERT's encoder without token types or pooler; the head is pre_classifier + ReLU + classifier. */
import * as tf from '@tensorflow/tfjs-core';
import { encoderStack, firstToken } from '../base/encoder-layer.ts';
import { GraphModel } from '../base/graph-model.ts';
import type { ForwardContext } from '../base/layers.ts';
import { positionIds, textPrologue } from '../base/text-prologue.ts';
import type { ModelInputs, ModelOutputs } from '../base/types.ts';
import type { DistilBertConfig } from './config.ts';

export class DistilBertModel extends GraphModel<DistilBertConfig> {
  protected run(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs {
    const c = this.config;
    const { batch, seq, mask, words } = textPrologue(
      ctx,
      inputs,
      c.modelType,
      'distilbert.embeddings.word_embeddings.weight',
    );
    const positions = positionIds(batch, seq);
    let h = words.add(ctx.embed('distilbert.embeddings.position_embeddings.weight', positions));
    h = ctx.dropout(ctx.layerNorm('distilbert.embeddings.LayerNorm', h, 1e-12), c.dropout);
    // DistilBERT's layer norms use transformers' hard-coded eps of 1e-12 (config.json has no field for it).
    const x = encoderStack(ctx, h.reshape([batch * seq, c.hiddenSize]) as tf.Tensor2D, mask, batch, seq, {
      layers: c.numLayers,
      hiddenSize: c.hiddenSize,
      heads: c.numHeads,
      eps: 1e-12,
      act: c.act,
      hiddenDropout: c.dropout,
      attentionDropout: c.attentionDropout,
      names: (i) => {
        const l = `distilbert.transformer.layer.${i}`;
        return {
          query: `${l}.attention.q_lin`,
          key: `${l}.attention.k_lin`,
          value: `${l}.attention.v_lin`,
          attnOut: `${l}.attention.out_lin`,
          attnNorm: `${l}.sa_layer_norm`,
          ffnIn: `${l}.ffn.lin1`,
          ffnOut: `${l}.ffn.lin2`,
          ffnNorm: `${l}.output_layer_norm`,
        };
      },
    });
    const last = x.reshape([batch, seq, c.hiddenSize]) as tf.Tensor3D;
    if (c.task !== 'sequence-classification') return { logits: last, lastHiddenState: last };
    // Through the sequence head hook, so adapters that answer with their own heads (the per-layer router) can.
    const logits = ctx.sequenceHead(last, (l) => {
      const pre = tf.relu(ctx.linear('pre_classifier', firstToken(l))) as tf.Tensor2D;
      return ctx.linear('classifier', ctx.dropout(pre, c.classifierDropout) as tf.Tensor2D);
    });
    return { logits, lastHiddenState: last };
  }
}
