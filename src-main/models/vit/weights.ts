import type { ParamSpec } from '../base/params.ts';
import type { VitConfig } from './config.ts';

/**
 * transformers 5 writes files with `vit.encoder.layer.N.attention.attention.query` but names the same modules
 * `vit.layers.N.attention.q_proj` in memory (which is what PEFT adapters use). Weights load under the file names
 * (so saved files round-trip); `VIT_HOOK_NAMES` gives the in-memory names the adapter hooks see.
 */
export const vitModules = (i: number) => {
  const f = `vit.encoder.layer.${i}`;
  const m = `vit.layers.${i}`;
  return {
    query: { file: `${f}.attention.attention.query`, hook: `${m}.attention.q_proj` },
    key: { file: `${f}.attention.attention.key`, hook: `${m}.attention.k_proj` },
    value: { file: `${f}.attention.attention.value`, hook: `${m}.attention.v_proj` },
    attnOut: { file: `${f}.attention.output.dense`, hook: `${m}.attention.o_proj` },
    ffnIn: { file: `${f}.intermediate.dense`, hook: `${m}.mlp.fc1` },
    ffnOut: { file: `${f}.output.dense`, hook: `${m}.mlp.fc2` },
    normBefore: { file: `${f}.layernorm_before`, hook: `${m}.layernorm_before` },
    normAfter: { file: `${f}.layernorm_after`, hook: `${m}.layernorm_after` },
  };
};

const ln = (p: string, alias: string, width: number): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'plain', shape: [width], aliases: [`${alias}.weight`] },
  { name: `${p}.bias`, layout: 'plain', shape: [width], aliases: [`${alias}.bias`] },
];
const lin = (p: string, alias: string, out: number, inp: number, bias = true): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'linear', shape: [out, inp], aliases: [`${alias}.weight`] },
  ...(bias
    ? [{ name: `${p}.bias`, layout: 'plain' as const, shape: [out], aliases: [`${alias}.bias`] }]
    : []),
];

export function vitParamSpecs(c: VitConfig): ParamSpec[] {
  const H = c.hiddenSize;
  const patches = (c.imageSize / c.patchSize) ** 2;
  const specs: ParamSpec[] = [
    { name: 'vit.embeddings.cls_token', layout: 'plain', shape: [1, 1, H] },
    { name: 'vit.embeddings.position_embeddings', layout: 'plain', shape: [1, patches + 1, H] },
    {
      name: 'vit.embeddings.patch_embeddings.projection.weight',
      layout: 'conv2d',
      shape: [H, c.channels, c.patchSize, c.patchSize],
    },
    { name: 'vit.embeddings.patch_embeddings.projection.bias', layout: 'plain', shape: [H] },
  ];
  for (let i = 0; i < c.numLayers; i++) {
    const m = vitModules(i);
    specs.push(
      ...ln(m.normBefore.file, m.normBefore.hook, H),
      ...lin(m.query.file, m.query.hook, H, H, c.qkvBias),
      ...lin(m.key.file, m.key.hook, H, H, c.qkvBias),
      ...lin(m.value.file, m.value.hook, H, H, c.qkvBias),
      ...lin(m.attnOut.file, m.attnOut.hook, H, H),
      ...ln(m.normAfter.file, m.normAfter.hook, H),
      ...lin(m.ffnIn.file, m.ffnIn.hook, c.intermediateSize, H),
      ...lin(m.ffnOut.file, m.ffnOut.hook, H, c.intermediateSize),
    );
  }
  specs.push(...ln('vit.layernorm', 'vit.norm', H));
  if (c.task === 'image-classification') specs.push(...lin('classifier', 'classifier', c.labels.length, H));
  return specs;
}
