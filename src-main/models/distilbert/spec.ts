import { ENCODER_HOOKS } from '../base/spec.ts';
import type { ArchitectureSpec } from '../base/spec.ts';

export const distilBertSpec: ArchitectureSpec = {
  modelType: 'distilbert',
  inputKind: 'text',
  hooks: [...ENCODER_HOOKS, 'sequenceHead'],
  loraTargets: ['q_lin', 'v_lin'],
  ia3: { targets: ['k_lin', 'v_lin', 'lin2'], feedforward: ['lin2'] },
  conv1d: false,
  heads: { 'sequence-classification': ['pre_classifier', 'classifier'] },
  adapterHub: null,
};
