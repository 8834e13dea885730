/** GPT-2: pre-LN causal decoder with a fused QKV Conv1D and the LM head tied to the token embeddings. */
import * as tf from '@tensorflow/tfjs';
import {
  ForwardContext,
  activate,
  attentionBias,
  mergeHeads,
  scaledDotAttention,
  splitHeads,
  tiedHead,
  tidyForward,
} from '../base/layers.ts';
import type { ParamStore } from '../base/params.ts';
import type { ForwardOptions, Model, ModelInputs, ModelOutputs } from '../base/types.ts';
import type { Gpt2Config } from './config.ts';
import { ModelInputError } from '../base/errors.ts';

export class Gpt2Model implements Model {
  constructor(
    readonly config: Gpt2Config,
    readonly params: ParamStore,
  ) {}

  forward(inputs: ModelInputs, opts: ForwardOptions = {}): ModelOutputs {
    return tidyForward(() => this.#run(inputs, opts));
  }

  #run(inputs: ModelInputs, opts: ForwardOptions): ModelOutputs {
    const c = this.config;
    const ids = inputs.inputIds;
    if (!ids) throw new ModelInputError('gpt2 needs input_ids');
    const ctx = new ForwardContext(
      this.params,
      opts.hooks ?? {},
      opts.training ?? false,
      opts.dropoutSeed ?? 0,
    );
    const [batch, len] = ids.shape;
    let mask = (inputs.attentionMask ?? tf.ones([batch, len], 'int32')).cast('float32') as tf.Tensor2D;
    let words = ctx.embed('transformer.wte.weight', ids) as tf.Tensor3D;
    if (ctx.hooks.embeddings) ({ h: words, mask } = ctx.hooks.embeddings(words, mask));
    const seq = words.shape[1];
    const positions = tf.range(0, seq, 1, 'int32').reshape([1, seq]).tile([batch, 1]);
    const h = ctx.dropout(words.add(ctx.embed('transformer.wpe.weight', positions)), c.embdDropout);
    const H = c.hiddenSize;
    const heads = c.numHeads;
    const hd = H / heads;
    let x = h.reshape([batch * seq, H]) as tf.Tensor2D;
    for (let i = 0; i < c.numLayers; i++) {
      const l = `transformer.h.${i}`;
      const a = ctx.layerNorm(`${l}.ln_1`, x, c.eps) as tf.Tensor2D;
      const [q2, k2, v2] = tf.split(ctx.linear(`${l}.attn.c_attn`, a), 3, 1) as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
      ];
      const q = splitHeads(q2, batch, seq, heads, hd);
      let k = splitHeads(k2, batch, seq, heads, hd);
      let v = splitHeads(v2, batch, seq, heads, hd);
      let keyMask = mask;
      if (ctx.hooks.attentionKV) {
        const r = ctx.hooks.attentionKV(i, k, v);
        ({ k, v } = r);
        if (r.added > 0) keyMask = tf.concat([tf.ones([batch, r.added]), mask], 1) as tf.Tensor2D;
      }
      let scale = c.scaleAttn ? 1 / Math.sqrt(hd) : 1;
      if (c.scaleByLayer) scale /= i + 1;
      const bias = attentionBias(keyMask, batch, seq, k.shape[2], true);
      const context = scaledDotAttention(q, k, v, bias, {
        scale,
        dropout: (p) => ctx.dropout(p, c.attnDropout),
      });
      let attn = ctx.dropout(
        ctx.linear(`${l}.attn.c_proj`, mergeHeads(context)),
        c.residDropout,
      ) as tf.Tensor2D;
      attn = ctx.sublayer(i, 'attention', attn, x);
      x = attn.add(x);
      const m = ctx.layerNorm(`${l}.ln_2`, x, c.eps) as tf.Tensor2D;
      const inner = activate(ctx.linear(`${l}.mlp.c_fc`, m), c.act) as tf.Tensor2D;
      let ffn = ctx.dropout(ctx.linear(`${l}.mlp.c_proj`, inner), c.residDropout) as tf.Tensor2D;
      ffn = ctx.sublayer(i, 'ffn', ffn, x);
      x = ffn.add(x);
    }
    const last = ctx.layerNorm('transformer.ln_f', x, c.eps) as tf.Tensor2D;
    const logits = c.tied
      ? tiedHead(ctx, 'lm_head', last, this.params.get('transformer.wte.weight'))
      : ctx.linear('lm_head', last);
    return { logits: logits.reshape([batch, seq, -1]), lastHiddenState: last.reshape([batch, seq, H]) };
  }

  dispose(): void {
    this.params.dispose();
  }
}
