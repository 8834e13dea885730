/** GPT-2: pre-LN causal decoder with a fused QKV Conv1D and the LM head tied to the token embeddings. */
import * as tf from '@tensorflow/tfjs-core';
import { GraphModel } from '../base/graph-model.ts';
import { tiedHead } from '../base/layers.ts';
import { selfAttention } from '../base/self-attention.ts';
import type { ForwardContext } from '../base/layers.ts';
import { positionIds, textPrologue } from '../base/text-prologue.ts';
import type { ModelInputs, ModelOutputs } from '../base/types.ts';
import type { Gpt2Config } from './config.ts';

export class Gpt2Model extends GraphModel<Gpt2Config> {
  protected run(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs {
    const c = this.config;
    const { batch, seq, mask, words } = textPrologue(ctx, inputs, c.modelType, 'transformer.wte.weight');
    const positions = positionIds(batch, seq, ctx.positionOffset);
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
      let scale = c.scaleAttn ? 1 / Math.sqrt(hd) : 1;
      if (c.scaleByLayer) scale /= i + 1;
      const context = selfAttention(ctx, i, { q: q2, k: k2, v: v2 }, mask, {
        batch,
        seq,
        heads,
        headDim: hd,
        scale,
        causal: true,
        dropout: c.attnDropout,
      });
      x = ctx.residualLinear(i, 'attention', `${l}.attn.c_proj`, context, x, c.residDropout);
      const m = ctx.layerNorm(`${l}.ln_2`, x, c.eps) as tf.Tensor2D;
      const inner = ctx.linearAct(`${l}.mlp.c_fc`, m, c.act);
      x = ctx.residualLinear(i, 'ffn', `${l}.mlp.c_proj`, inner, x, c.residDropout);
    }
    const last = ctx.layerNorm('transformer.ln_f', x, c.eps) as tf.Tensor2D;
    const logits = c.tied
      ? tiedHead(ctx, 'lm_head', last, this.params.get('transformer.wte.weight'))
      : ctx.linear('lm_head', last);
    return { logits: logits.reshape([batch, seq, -1]), lastHiddenState: last.reshape([batch, seq, H]) };
  }
}
