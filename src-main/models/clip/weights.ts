import type { ParamSpec } from '../base/params.ts';
import type { ClipConfig, ClipTower } from './config.ts';

/** One encoder layer's module names (the same in the file and in memory, as PEFT adapters name them). */
export const clipLayer = (tower: 'text_model' | 'vision_model', i: number) => {
  const p = `${tower}.encoder.layers.${i}`;
  return {
    norm1: `${p}.layer_norm1`,
    query: `${p}.self_attn.q_proj`,
    key: `${p}.self_attn.k_proj`,
    value: `${p}.self_attn.v_proj`,
    attnOut: `${p}.self_attn.out_proj`,
    norm2: `${p}.layer_norm2`,
    fc1: `${p}.mlp.fc1`,
    fc2: `${p}.mlp.fc2`,
  };
};

const ln = (p: string, width: number): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'plain', shape: [width] },
  { name: `${p}.bias`, layout: 'plain', shape: [width] },
];
const lin = (p: string, out: number, inp: number, bias = true): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'linear', shape: [out, inp] },
  ...(bias ? [{ name: `${p}.bias`, layout: 'plain' as const, shape: [out] }] : []),
];

function encoder(tower: 'text_model' | 'vision_model', t: ClipTower): ParamSpec[] {
  const H = t.hiddenSize;
  const specs: ParamSpec[] = [];
  for (let i = 0; i < t.numLayers; i++) {
    const m = clipLayer(tower, i);
    specs.push(
      ...ln(m.norm1, H),
      ...lin(m.query, H, H),
      ...lin(m.key, H, H),
      ...lin(m.value, H, H),
      ...lin(m.attnOut, H, H),
      ...ln(m.norm2, H),
      ...lin(m.fc1, t.intermediateSize, H),
      ...lin(m.fc2, H, t.intermediateSize),
    );
  }
  return specs;
}

export function clipParamSpecs(c: ClipConfig): ParamSpec[] {
  const t = c.text;
  const v = c.vision;
  const patches = (v.imageSize / v.patchSize) ** 2;
  return [
    {
      name: 'text_model.embeddings.token_embedding.weight',
      layout: 'plain',
      shape: [t.vocabSize, t.hiddenSize],
    },
    {
      name: 'text_model.embeddings.position_embedding.weight',
      layout: 'plain',
      shape: [t.maxPositions, t.hiddenSize],
    },
    ...encoder('text_model', t),
    ...ln('text_model.final_layer_norm', t.hiddenSize),
    { name: 'vision_model.embeddings.class_embedding', layout: 'plain', shape: [v.hiddenSize] },
    {
      name: 'vision_model.embeddings.patch_embedding.weight',
      layout: 'conv2d',
      shape: [v.hiddenSize, v.channels, v.patchSize, v.patchSize],
    },
    {
      name: 'vision_model.embeddings.position_embedding.weight',
      layout: 'plain',
      shape: [patches + 1, v.hiddenSize],
    },
    // transformers' own spelling ("layrnorm") since the first CLIP port.
    ...ln('vision_model.pre_layrnorm', v.hiddenSize),
    ...encoder('vision_model', v),
    ...ln('vision_model.post_layernorm', v.hiddenSize),
    ...lin('text_projection', c.projectionDim, t.hiddenSize, false),
    ...lin('visual_projection', c.projectionDim, v.hiddenSize, false),
    { name: 'logit_scale', layout: 'plain', shape: [] },
    // A video classifier's head (config.ts `video`); no CLIPModel file has it, so it starts fresh (new-head.ts).
    ...(c.video ? lin('classifier', c.labels.length, v.hiddenSize) : []),
  ];
}
