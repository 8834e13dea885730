import type { ParamSpec } from '../base/params.ts';
import type { DistilBertConfig } from './config.ts';

const ln = (p: string, width: number): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'plain', shape: [width] },
  { name: `${p}.bias`, layout: 'plain', shape: [width] },
];
const lin = (p: string, out: number, inp: number): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'linear', shape: [out, inp] },
  { name: `${p}.bias`, layout: 'plain', shape: [out] },
];

export function distilBertParamSpecs(c: DistilBertConfig): ParamSpec[] {
  const H = c.hiddenSize;
  const specs: ParamSpec[] = [
    { name: 'distilbert.embeddings.word_embeddings.weight', layout: 'plain', shape: [c.vocabSize ?? 0, H] },
    { name: 'distilbert.embeddings.position_embeddings.weight', layout: 'plain', shape: [c.maxPositions, H] },
    ...ln('distilbert.embeddings.LayerNorm', H),
  ];
  for (let i = 0; i < c.numLayers; i++) {
    const l = `distilbert.transformer.layer.${i}`;
    specs.push(
      ...lin(`${l}.attention.q_lin`, H, H),
      ...lin(`${l}.attention.k_lin`, H, H),
      ...lin(`${l}.attention.v_lin`, H, H),
      ...lin(`${l}.attention.out_lin`, H, H),
      ...ln(`${l}.sa_layer_norm`, H),
      ...lin(`${l}.ffn.lin1`, c.ffnSize, H),
      ...lin(`${l}.ffn.lin2`, H, c.ffnSize),
      ...ln(`${l}.output_layer_norm`, H),
    );
  }
  if (c.task === 'sequence-classification')
    specs.push(...lin('pre_classifier', H, H), ...lin('classifier', c.labels.length, H));
  return specs;
}
