/** DistilBERT: BERT's encoder without token types or pooler; the head is pre_classifier + ReLU + classifier. */
import * as tf from '@tensorflow/tfjs';
import { encoderLayer, firstToken } from '../base/encoder-layer.ts';
import { ForwardContext, tidyForward } from '../base/layers.ts';
import type { ParamStore } from '../base/params.ts';
import type { ForwardOptions, Model, ModelInputs, ModelOutputs } from '../base/types.ts';
import type { DistilBertConfig } from './config.ts';
import { ModelInputError } from '../base/errors.ts';

export class DistilBertModel implements Model {
  constructor(
    readonly config: DistilBertConfig,
    readonly params: ParamStore,
  ) {}

  forward(inputs: ModelInputs, opts: ForwardOptions = {}): ModelOutputs {
    return tidyForward(() => this.#run(inputs, opts));
  }

  #run(inputs: ModelInputs, opts: ForwardOptions): ModelOutputs {
    const c = this.config;
    const ids = inputs.inputIds;
    if (!ids) throw new ModelInputError('distilbert needs input_ids');
    const ctx = new ForwardContext(
      this.params,
      opts.hooks ?? {},
      opts.training ?? false,
      opts.dropoutSeed ?? 0,
    );
    const [batch, len] = ids.shape;
    let mask = (inputs.attentionMask ?? tf.ones([batch, len], 'int32')).cast('float32') as tf.Tensor2D;
    let words = ctx.embed('distilbert.embeddings.word_embeddings.weight', ids) as tf.Tensor3D;
    if (ctx.hooks.embeddings) ({ h: words, mask } = ctx.hooks.embeddings(words, mask));
    const seq = words.shape[1];
    const positions = tf.range(0, seq, 1, 'int32').reshape([1, seq]).tile([batch, 1]);
    let h = words.add(ctx.embed('distilbert.embeddings.position_embeddings.weight', positions));
    h = ctx.dropout(ctx.layerNorm('distilbert.embeddings.LayerNorm', h, 1e-12), c.dropout);
    let x = h.reshape([batch * seq, c.hiddenSize]) as tf.Tensor2D;
    const shape = {
      batch,
      seq,
      heads: c.numHeads,
      headDim: c.hiddenSize / c.numHeads,
      eps: 1e-12,
      act: c.act,
      hiddenDropout: c.dropout,
      attentionDropout: c.attentionDropout,
    };
    for (let i = 0; i < c.numLayers; i++) {
      const l = `distilbert.transformer.layer.${i}`;
      x = encoderLayer(
        ctx,
        i,
        {
          query: `${l}.attention.q_lin`,
          key: `${l}.attention.k_lin`,
          value: `${l}.attention.v_lin`,
          attnOut: `${l}.attention.out_lin`,
          attnNorm: `${l}.sa_layer_norm`,
          ffnIn: `${l}.ffn.lin1`,
          ffnOut: `${l}.ffn.lin2`,
          ffnNorm: `${l}.output_layer_norm`,
        },
        x,
        mask,
        shape,
      );
    }
    const last = x.reshape([batch, seq, c.hiddenSize]) as tf.Tensor3D;
    if (c.task !== 'sequence-classification') return { logits: last, lastHiddenState: last };
    const pre = tf.relu(ctx.linear('pre_classifier', firstToken(last))) as tf.Tensor2D;
    const logits = ctx.linear('classifier', ctx.dropout(pre, c.classifierDropout) as tf.Tensor2D);
    return { logits, lastHiddenState: last };
  }

  dispose(): void {
    this.params.dispose();
  }
}
