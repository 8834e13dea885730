import { TEXT_TRANSFORMER_HOOKS } from '../base/spec.ts';
import type { ArchitectureSpec } from '../base/spec.ts';

export const llamaSpec: ArchitectureSpec = {
  modelType: 'llama',
  inputKind: 'text',
  // sequenceHead: only when loaded as a classifier (LlamaForSequenceClassification's score head).
  hooks: [...TEXT_TRANSFORMER_HOOKS, 'sequenceHead'],
  loraTargets: ['q_proj', 'v_proj'],
  ia3: { targets: ['k_proj', 'v_proj', 'down_proj'], feedforward: ['down_proj'] },
  conv1d: false,
  heads: { 'sequence-classification': ['score'] },
  adapterHub: null,
  gatedFfn: true,
};
