import { ENCODER_HOOKS } from '../base/spec.ts';
import type { ArchitectureSpec } from '../base/spec.ts';

export const bertSpec: ArchitectureSpec = {
  modelType: 'bert',
  inputKind: 'text',
  hooks: [...ENCODER_HOOKS, 'sequenceHead'],
  loraTargets: ['query', 'value'],
  ia3: { targets: ['key', 'value', 'output.dense'], feedforward: ['output.dense'] },
  conv1d: false,
  heads: { 'sequence-classification': ['classifier'], 'masked-lm': ['cls'] },
  adapterHub: {
    prefix: 'bert',
    modelClass: 'BertAdapterModel',
    // BERT's classifier reads the pooled output: one linear layer after the pooler.
    head: { layers: 1, index: { classifier: 1 }, poolerWeight: 'bert.pooler.dense.weight' },
  },
};
