import type { ParamSpec } from '../base/params.ts';
import type { Gpt2Config } from './config.ts';

const ln = (p: string, width: number): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'plain', shape: [width] },
  { name: `${p}.bias`, layout: 'plain', shape: [width] },
];
/** GPT-2's Conv1D stores weights [in, out]: already the layout our matmuls use, so no transpose. */
const conv1d = (p: string, inp: number, out: number): ParamSpec[] => [
  { name: `${p}.weight`, layout: 'plain', shape: [inp, out] },
  { name: `${p}.bias`, layout: 'plain', shape: [out] },
];

export function gpt2ParamSpecs(c: Gpt2Config): ParamSpec[] {
  const H = c.hiddenSize;
  const specs: ParamSpec[] = [
    { name: 'transformer.wte.weight', layout: 'plain', shape: [c.vocabSize ?? 0, H] },
    { name: 'transformer.wpe.weight', layout: 'plain', shape: [c.maxPositions, H] },
  ];
  for (let i = 0; i < c.numLayers; i++) {
    const l = `transformer.h.${i}`;
    specs.push(
      ...ln(`${l}.ln_1`, H),
      ...conv1d(`${l}.attn.c_attn`, H, 3 * H),
      ...conv1d(`${l}.attn.c_proj`, H, H),
      ...ln(`${l}.ln_2`, H),
      ...conv1d(`${l}.mlp.c_fc`, H, c.innerSize),
      ...conv1d(`${l}.mlp.c_proj`, c.innerSize, H),
    );
  }
  specs.push(...ln('transformer.ln_f', H));
  // Tied (the default): lm_head is wte and absent from the file. Untied: a Linear of its own, [vocab, hidden].
  specs.push(
    c.tied
      ? { name: 'lm_head.weight', layout: 'plain', tiedTo: 'transformer.wte.weight' }
      : { name: 'lm_head.weight', layout: 'linear', shape: [c.vocabSize ?? 0, H] },
  );
  return specs;
}
