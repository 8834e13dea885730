/** ResNet's layer plan, shared by the weight list and the graph: which convolutions each block has. */
import type { ResnetConfig } from './config.ts';

export interface ConvSpec {
  /** Module prefix: `${prefix}.convolution` and `${prefix}.normalization`. */
  prefix: string;
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  relu: boolean;
}

export interface BlockSpec {
  stage: number;
  index: number;
  convs: ConvSpec[];
  shortcut: ConvSpec | null;
}

export function resnetBlocks(c: ResnetConfig): BlockSpec[] {
  const blocks: BlockSpec[] = [];
  let inC = c.embeddingSize;
  c.hiddenSizes.forEach((outC, stage) => {
    const depth = c.depths[stage] ?? 0;
    for (let index = 0; index < depth; index++) {
      const stride = index === 0 && (stage > 0 || c.downsampleInFirstStage) ? 2 : 1;
      const p = `resnet.encoder.stages.${stage}.layers.${index}`;
      const shortcut =
        inC !== outC || stride !== 1
          ? { prefix: `${p}.shortcut`, inC, outC, kernel: 1, stride, relu: false }
          : null;
      let convs: ConvSpec[];
      if (c.layerType === 'basic') {
        convs = [
          { prefix: `${p}.layer.0`, inC, outC, kernel: 3, stride, relu: true },
          { prefix: `${p}.layer.1`, inC: outC, outC, kernel: 3, stride: 1, relu: false },
        ];
      } else {
        const mid = outC / 4;
        const [s1, s2] = c.downsampleInBottleneck ? [stride, 1] : [1, stride];
        convs = [
          { prefix: `${p}.layer.0`, inC, outC: mid, kernel: 1, stride: s1, relu: true },
          { prefix: `${p}.layer.1`, inC: mid, outC: mid, kernel: 3, stride: s2, relu: true },
          { prefix: `${p}.layer.2`, inC: mid, outC, kernel: 1, stride: 1, relu: false },
        ];
      }
      blocks.push({ stage, index, convs, shortcut });
      inC = outC;
    }
  });
  return blocks;
}

export const STEM: (c: ResnetConfig) => ConvSpec = (c) => ({
  prefix: 'resnet.embedder.embedder',
  inC: c.channels,
  outC: c.embeddingSize,
  kernel: 7,
  stride: 2,
  relu: true,
});
