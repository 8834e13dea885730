import type { ArchitectureSpec } from '../base/spec.ts';

export const resnetSpec: ArchitectureSpec = {
  modelType: 'resnet',
  inputKind: 'image',
  // A CNN: residual blocks (Conv-Adapters) instead of attention and transformer sub-layers.
  hooks: ['linear', 'conv2d', 'block'],
  loraTargets: ['convolution'],
  ia3: null,
  conv1d: false,
  heads: { 'image-classification': ['classifier'] },
  adapterHub: null,
};
