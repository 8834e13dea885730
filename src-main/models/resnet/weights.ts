import type { ParamSpec } from '../base/params.ts';
import type { ConvSpec } from './blocks.ts';
import { STEM, resnetBlocks } from './blocks.ts';
import type { ResnetConfig } from './config.ts';

const convLayer = (s: ConvSpec): ParamSpec[] => [
  { name: `${s.prefix}.convolution.weight`, layout: 'conv2d', shape: [s.outC, s.inC, s.kernel, s.kernel] },
  ...['weight', 'bias', 'running_mean', 'running_var'].map(
    (k): ParamSpec => ({ name: `${s.prefix}.normalization.${k}`, layout: 'plain', shape: [s.outC] }),
  ),
];

export function resnetParamSpecs(c: ResnetConfig): ParamSpec[] {
  const specs: ParamSpec[] = [...convLayer(STEM(c))];
  for (const b of resnetBlocks(c)) {
    for (const conv of b.convs) specs.push(...convLayer(conv));
    if (b.shortcut) specs.push(...convLayer(b.shortcut));
  }
  if (c.task === 'image-classification') {
    specs.push(
      { name: 'classifier.1.weight', layout: 'linear', shape: [c.labels.length, c.hiddenSize] },
      { name: 'classifier.1.bias', layout: 'plain', shape: [c.labels.length] },
    );
  }
  return specs;
}
