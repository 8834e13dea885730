import type { ArchitectureSpec } from '../base/spec.ts';

export const clipSpec: ArchitectureSpec = {
  modelType: 'clip',
  // Two towers: token ids for the text tower, pixel values for the vision tower, either or both per call.
  inputKind: 'image-text',
  // No attentionKV: it would see two towers' layer 0. `sublayerOutput` is layer-indexed but numbers the vision
  // tower's layers after the text tower's (config `sublayerWidths`), so bottleneck adapters keep the towers apart.
  // `embeddings`: the text tower's token embeddings, where prompt tuning prepends its virtual tokens (the tower then
  // pools at the end token shifted past them). `features`: the projected embeddings, where CLIP-Adapter blends in
  // its bottleneck. `videoTokens` is layer-indexed but only the vision tower calls it (its layers alone):
  // ST-Adapter on the frozen image tower.
  hooks: ['linear', 'conv2d', 'embeddings', 'features', 'videoTokens', 'sublayerOutput'],
  // PEFT's mapping for clip: both towers' q_proj and v_proj.
  loraTargets: ['q_proj', 'v_proj'],
  ia3: { targets: ['k_proj', 'v_proj', 'fc2'], feedforward: ['fc2'] },
  conv1d: false,
  heads: {},
  adapterHub: null,
  // PEFT wraps CLIPModel with no task type and records the class, so AutoPeftModel can load the adapter.
  peftAutoMapping: {
    base_model_class: 'CLIPModel',
    parent_library: 'transformers.models.clip.modeling_clip',
  },
  outputs: [
    'logits_per_image',
    'logits_per_text',
    'text_embeds',
    'image_embeds',
    'text_last_hidden_state',
    'vision_last_hidden_state',
  ],
};
