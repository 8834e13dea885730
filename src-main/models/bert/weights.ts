import type { ParamSpec } from '../base/params.ts';
import type { BertConfig } from './config.ts';

const ln = (p: string, width: number): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'plain', shape: [width] },
  { name: `${p}.bias`, layout: 'plain', shape: [width] },
];
const lin = (p: string, out: number, inp: number): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'linear', shape: [out, inp] },
  { name: `${p}.bias`, layout: 'plain', shape: [out] },
];

/** Every weight a BERT/RoBERTa checkpoint must have for its task, with torch shapes. */
export function bertParamSpecs(c: BertConfig): ParamSpec[] {
  const p = c.prefix;
  const H = c.hiddenSize;
  const specs: ParamSpec[] = [
    { name: `${p}.embeddings.word_embeddings.weight`, layout: 'plain', shape: [c.vocabSize ?? 0, H] },
    { name: `${p}.embeddings.position_embeddings.weight`, layout: 'plain', shape: [c.maxPositions, H] },
    ...(c.typeVocabSize > 0
      ? [
          {
            name: `${p}.embeddings.token_type_embeddings.weight`,
            layout: 'plain' as const,
            shape: [c.typeVocabSize, H],
          },
        ]
      : []),
    ...ln(`${p}.embeddings.LayerNorm`, H),
  ];
  for (let i = 0; i < c.numLayers; i++) {
    const l = `${p}.encoder.layer.${i}`;
    specs.push(
      ...lin(`${l}.attention.self.query`, H, H),
      ...lin(`${l}.attention.self.key`, H, H),
      ...lin(`${l}.attention.self.value`, H, H),
      ...lin(`${l}.attention.output.dense`, H, H),
      ...ln(`${l}.attention.output.LayerNorm`, H),
      ...lin(`${l}.intermediate.dense`, c.intermediateSize, H),
      ...lin(`${l}.output.dense`, H, c.intermediateSize),
      ...ln(`${l}.output.LayerNorm`, H),
    );
  }
  const n = c.labels.length;
  if (c.task === 'sequence-classification') {
    if (c.prefix === 'bert') specs.push(...lin('bert.pooler.dense', H, H), ...lin('classifier', n, H));
    else specs.push(...lin('classifier.dense', H, H), ...lin('classifier.out_proj', n, H));
  } else if (c.task === 'masked-lm') {
    specs.push(...mlmHeadSpecs(c));
  }
  return specs;
}

/**
 * The masked-LM head's module names: BERT's `cls.predictions.*`, RoBERTa's `lm_head.*`. With tied embeddings the
 * decoder's bias is stored once as `<head>.bias` (transformers ties `decoder.bias` to it) and its weight is the word
 * embeddings. With tie_word_embeddings false, transformers 5 ties neither: the decoder is a full Linear with its own
 * `decoder.weight` and `decoder.bias`, which the forward uses, and `<head>.bias` is a separate parameter it keeps
 * (and saves) but never reads.
 */
export function mlmHeadNames(prefix: 'bert' | 'roberta') {
  return prefix === 'bert'
    ? {
        dense: 'cls.predictions.transform.dense',
        norm: 'cls.predictions.transform.LayerNorm',
        decoder: 'cls.predictions.decoder',
        bias: 'cls.predictions.bias',
      }
    : {
        dense: 'lm_head.dense',
        norm: 'lm_head.layer_norm',
        decoder: 'lm_head.decoder',
        bias: 'lm_head.bias',
      };
}

function mlmHeadSpecs(c: BertConfig): ParamSpec[] {
  const n = mlmHeadNames(c.prefix);
  const H = c.hiddenSize;
  const V = c.vocabSize ?? 0;
  const head = [...lin(n.dense, H, H), ...ln(n.norm, H)];
  if (c.tied) {
    return [
      ...head,
      { name: n.bias, layout: 'plain', shape: [V], aliases: [`${n.decoder}.bias`] },
      {
        name: `${n.decoder}.weight`,
        layout: 'plain',
        tiedTo: `${c.prefix}.embeddings.word_embeddings.weight`,
      },
    ];
  }
  return [
    ...head,
    // Files written before transformers 5 stored the (then always shared) bias once, as `<head>.bias`.
    { name: n.bias, layout: 'plain', shape: [V], aliases: [`${n.decoder}.bias`] },
    { name: `${n.decoder}.bias`, layout: 'plain', shape: [V], aliases: [n.bias] },
    { name: `${n.decoder}.weight`, layout: 'linear', shape: [V, H] },
  ];
}
