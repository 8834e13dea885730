import type { ParamSpec } from '../base/params.ts';
import type { LlamaConfig } from './config.ts';

const lin = (p: string, out: number, inp: number, bias: boolean): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'linear', shape: [out, inp] },
  ...(bias ? [{ name: `${p}.bias`, layout: 'plain' as const, shape: [out] }] : []),
];

export function llamaParamSpecs(c: LlamaConfig): ParamSpec[] {
  const H = c.hiddenSize;
  const qDim = c.numHeads * c.headDim;
  const kvDim = c.kvHeads * c.headDim;
  const specs: ParamSpec[] = [
    { name: 'model.embed_tokens.weight', layout: 'plain', shape: [c.vocabSize ?? 0, H] },
  ];
  for (let i = 0; i < c.numLayers; i++) {
    const l = `model.layers.${i}`;
    specs.push(
      { name: `${l}.input_layernorm.weight`, layout: 'plain', shape: [H] },
      ...lin(`${l}.self_attn.q_proj`, qDim, H, c.attentionBias),
      ...lin(`${l}.self_attn.k_proj`, kvDim, H, c.attentionBias),
      ...lin(`${l}.self_attn.v_proj`, kvDim, H, c.attentionBias),
      ...lin(`${l}.self_attn.o_proj`, H, qDim, c.attentionBias),
      { name: `${l}.post_attention_layernorm.weight`, layout: 'plain', shape: [H] },
      ...lin(`${l}.mlp.gate_proj`, c.intermediateSize, H, c.mlpBias),
      ...lin(`${l}.mlp.up_proj`, c.intermediateSize, H, c.mlpBias),
      ...lin(`${l}.mlp.down_proj`, H, c.intermediateSize, c.mlpBias),
    );
  }
  specs.push({ name: 'model.norm.weight', layout: 'plain', shape: [H] });
  if (c.task === 'causal-lm') {
    specs.push(
      c.tied
        ? { name: 'lm_head.weight', layout: 'plain', tiedTo: 'model.embed_tokens.weight' }
        : { name: 'lm_head.weight', layout: 'linear', shape: [c.vocabSize ?? 0, H] },
    );
  } else if (c.task === 'sequence-classification') {
    specs.push({ name: 'score.weight', layout: 'linear', shape: [c.labels.length, H] });
  }
  return specs;
}
