/** BERT and RoBERTa: embeddings, the post-LN encoder, and the sequence-classification or masked-LM head. */
import * as tf from '@tensorflow/tfjs-core';
import { encoderStack, firstToken } from '../base/encoder-layer.ts';
import { GraphModel } from '../base/graph-model.ts';
import { tiedHead } from '../base/layers.ts';
import type { ForwardContext } from '../base/layers.ts';
import { positionIds, textPrologue } from '../base/text-prologue.ts';
import type { ModelInputs, ModelOutputs } from '../base/types.ts';
import type { BertConfig } from './config.ts';
import { mlmHeadNames } from './weights.ts';

/** RoBERTa numbers real tokens from pad_token_id + 1 and gives padding the pad id itself. */
function robertaPositions(ids: tf.Tensor2D, pad: number, virtual: number): tf.Tensor2D {
  const notPad = ids.notEqual(pad).cast('int32');
  const pos = tf.cumsum(notPad, 1).mul(notPad).add(pad);
  if (virtual === 0) return pos as tf.Tensor2D;
  // Prepended virtual tokens (prompt tuning) come in as embeddings: PEFT numbers the whole row from pad + 1.
  const [b, t] = ids.shape;
  return tf
    .range(pad + 1, pad + 1 + t + virtual, 1, 'int32')
    .reshape([1, t + virtual])
    .tile([b, 1]) as tf.Tensor2D;
}

export class BertModel extends GraphModel<BertConfig> {
  protected run(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs {
    const c = this.config;
    const p = c.prefix;
    const { ids, batch, len, seq, mask, words } = textPrologue(
      ctx,
      inputs,
      c.modelType,
      `${p}.embeddings.word_embeddings.weight`,
    );
    const virtual = seq - len;
    const positions =
      p === 'roberta' ? robertaPositions(ids, c.padTokenId, virtual) : positionIds(batch, seq);
    let h = words.add(ctx.embed(`${p}.embeddings.position_embeddings.weight`, positions));
    if (c.typeVocabSize > 0) {
      let types = (inputs.tokenTypeIds ?? tf.zeros([batch, len], 'int32')).cast('int32');
      if (virtual > 0) types = tf.concat([tf.zeros([batch, virtual], 'int32'), types], 1);
      h = h.add(ctx.embed(`${p}.embeddings.token_type_embeddings.weight`, types));
    }
    h = ctx.dropout(ctx.layerNorm(`${p}.embeddings.LayerNorm`, h, c.layerNormEps), c.hiddenDropout);
    const x = encoderStack(ctx, h.reshape([batch * seq, c.hiddenSize]) as tf.Tensor2D, mask, batch, seq, {
      layers: c.numLayers,
      hiddenSize: c.hiddenSize,
      heads: c.numHeads,
      eps: c.layerNormEps,
      act: c.hiddenAct,
      hiddenDropout: c.hiddenDropout,
      attentionDropout: c.attentionDropout,
      names: (i) => {
        const l = `${p}.encoder.layer.${i}`;
        return {
          query: `${l}.attention.self.query`,
          key: `${l}.attention.self.key`,
          value: `${l}.attention.self.value`,
          attnOut: `${l}.attention.output.dense`,
          attnNorm: `${l}.attention.output.LayerNorm`,
          ffnIn: `${l}.intermediate.dense`,
          ffnOut: `${l}.output.dense`,
          ffnNorm: `${l}.output.LayerNorm`,
        };
      },
    });
    const last = x.reshape([batch, seq, c.hiddenSize]) as tf.Tensor3D;
    return { logits: this.#head(ctx, last, x), lastHiddenState: last };
  }

  #classifier(ctx: ForwardContext, last: tf.Tensor3D): tf.Tensor2D {
    const c = this.config;
    const cls = firstToken(last);
    if (c.prefix === 'bert') {
      const pooled = tf.tanh(ctx.linear('bert.pooler.dense', cls)) as tf.Tensor2D;
      return ctx.linear('classifier', ctx.dropout(pooled, c.classifierDropout) as tf.Tensor2D);
    }
    const d = tf.tanh(
      ctx.linear('classifier.dense', ctx.dropout(cls, c.classifierDropout) as tf.Tensor2D),
    ) as tf.Tensor2D;
    return ctx.linear('classifier.out_proj', ctx.dropout(d, c.classifierDropout) as tf.Tensor2D);
  }

  #head(ctx: ForwardContext, last: tf.Tensor3D, rows: tf.Tensor2D): tf.Tensor {
    const c = this.config;
    if (c.task === 'sequence-classification') return ctx.sequenceHead(last, (l) => this.#classifier(ctx, l));
    if (c.task === 'masked-lm') {
      const n = mlmHeadNames(c.prefix);
      // BertPredictionHeadTransform uses hidden_act; RobertaLMHead always uses (erf) gelu.
      const act = c.prefix === 'bert' ? c.hiddenAct : 'gelu';
      const t = ctx.layerNorm(n.norm, ctx.linearAct(n.dense, rows, act), c.layerNormEps) as tf.Tensor2D;
      // Untied, the decoder is a plain Linear with its own bias (`<head>.bias` is then unused: see weights.ts).
      const logits = c.tied
        ? tiedHead(
            ctx,
            n.decoder,
            t,
            this.params.get(`${c.prefix}.embeddings.word_embeddings.weight`),
            this.params.get(n.bias),
          )
        : ctx.linear(n.decoder, t);
      return logits.reshape([last.shape[0], last.shape[1], -1]);
    }
    return last;
  }
}
