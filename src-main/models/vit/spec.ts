import type { ArchitectureSpec } from '../base/spec.ts';

export const vitSpec: ArchitectureSpec = {
  modelType: 'vit',
  inputKind: 'image',
  // Patches come from a convolution, not token embeddings: no `embeddings` hook, so no prompt tuning.
  hooks: ['linear', 'conv2d', 'attentionKV', 'sublayerOutput', 'videoTokens'],
  loraTargets: ['q_proj', 'v_proj'],
  ia3: { targets: ['k_proj', 'v_proj', 'mlp.fc2'], feedforward: ['mlp.fc2'] },
  conv1d: false,
  heads: { 'image-classification': ['classifier'] },
  adapterHub: null,
};
