/** BERT and RoBERTa: embeddings, the post-LN encoder, and the sequence-classification or masked-LM head. */
import * as tf from '@tensorflow/tfjs';
import { encoderLayer, firstToken } from '../base/encoder-layer.ts';
import { ForwardContext, activate, tiedHead, tidyForward } from '../base/layers.ts';
import type { ParamStore } from '../base/params.ts';
import type { ForwardOptions, Model, ModelInputs, ModelOutputs } from '../base/types.ts';
import type { BertConfig } from './config.ts';
import { mlmHeadNames } from './weights.ts';
import { ModelInputError } from '../base/errors.ts';

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

export class BertModel implements Model {
  constructor(
    readonly config: BertConfig,
    readonly params: ParamStore,
  ) {}

  forward(inputs: ModelInputs, opts: ForwardOptions = {}): ModelOutputs {
    return tidyForward(() => this.#run(inputs, opts));
  }

  #run(inputs: ModelInputs, opts: ForwardOptions): ModelOutputs {
    const c = this.config;
    const p = c.prefix;
    const ids = inputs.inputIds;
    if (!ids) throw new ModelInputError(`${c.modelType} needs input_ids`);
    const ctx = new ForwardContext(
      this.params,
      opts.hooks ?? {},
      opts.training ?? false,
      opts.dropoutSeed ?? 0,
    );
    const [batch, len] = ids.shape;
    let mask = (inputs.attentionMask ?? tf.ones([batch, len], 'int32')).cast('float32') as tf.Tensor2D;
    let words = ctx.embed(`${p}.embeddings.word_embeddings.weight`, ids) as tf.Tensor3D;
    if (ctx.hooks.embeddings) ({ h: words, mask } = ctx.hooks.embeddings(words, mask));
    const seq = words.shape[1];
    const virtual = seq - len;
    const positions =
      p === 'roberta'
        ? robertaPositions(ids, c.padTokenId, virtual)
        : tf.range(0, seq, 1, 'int32').reshape([1, seq]).tile([batch, 1]);
    let h = words.add(ctx.embed(`${p}.embeddings.position_embeddings.weight`, positions));
    if (c.typeVocabSize > 0) {
      let types = (inputs.tokenTypeIds ?? tf.zeros([batch, len], 'int32')).cast('int32');
      if (virtual > 0) types = tf.concat([tf.zeros([batch, virtual], 'int32'), types], 1);
      h = h.add(ctx.embed(`${p}.embeddings.token_type_embeddings.weight`, types));
    }
    h = ctx.dropout(ctx.layerNorm(`${p}.embeddings.LayerNorm`, h, c.layerNormEps), c.hiddenDropout);
    let x = h.reshape([batch * seq, c.hiddenSize]) as tf.Tensor2D;
    const shape = {
      batch,
      seq,
      heads: c.numHeads,
      headDim: c.hiddenSize / c.numHeads,
      eps: c.layerNormEps,
      act: c.hiddenAct,
      hiddenDropout: c.hiddenDropout,
      attentionDropout: c.attentionDropout,
    };
    for (let i = 0; i < c.numLayers; i++) {
      const l = `${p}.encoder.layer.${i}`;
      x = encoderLayer(
        ctx,
        i,
        {
          query: `${l}.attention.self.query`,
          key: `${l}.attention.self.key`,
          value: `${l}.attention.self.value`,
          attnOut: `${l}.attention.output.dense`,
          attnNorm: `${l}.attention.output.LayerNorm`,
          ffnIn: `${l}.intermediate.dense`,
          ffnOut: `${l}.output.dense`,
          ffnNorm: `${l}.output.LayerNorm`,
        },
        x,
        mask,
        shape,
      );
    }
    const last = x.reshape([batch, seq, c.hiddenSize]) as tf.Tensor3D;
    return { logits: this.#head(ctx, last, x), lastHiddenState: last };
  }

  #head(ctx: ForwardContext, last: tf.Tensor3D, rows: tf.Tensor2D): tf.Tensor {
    const c = this.config;
    if (c.task === 'sequence-classification') {
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
    if (c.task === 'masked-lm') {
      const n = mlmHeadNames(c.prefix);
      // BertPredictionHeadTransform uses hidden_act; RobertaLMHead always uses (erf) gelu.
      const act = c.prefix === 'bert' ? c.hiddenAct : 'gelu';
      const t = ctx.layerNorm(
        n.norm,
        activate(ctx.linear(n.dense, rows), act),
        c.layerNormEps,
      ) as tf.Tensor2D;
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

  dispose(): void {
    this.params.dispose();
  }
}
