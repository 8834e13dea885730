import { ENCODER_HOOKS } from '../base/spec.ts';
import type { ArchitectureSpec } from '../base/spec.ts';

export const robertaSpec: ArchitectureSpec = {
  modelType: 'roberta',
  inputKind: 'text',
  hooks: [...ENCODER_HOOKS, 'sequenceHead'],
  loraTargets: ['query', 'value'],
  ia3: { targets: ['key', 'value', 'output.dense'], feedforward: ['output.dense'] },
  conv1d: false,
  heads: { 'sequence-classification': ['classifier'], 'masked-lm': ['lm_head'] },
  adapterHub: {
    prefix: 'roberta',
    modelClass: 'RobertaAdapterModel',
    // RoBERTa's classifier (dense, tanh, out_proj on the first token) is two linear layers, no pooler.
    head: { layers: 2, index: { 'classifier.dense': 1, 'classifier.out_proj': 4 }, poolerWeight: null },
  },
};

/** XLM-RoBERTa is RoBERTa's graph and module names under another model_type and AdapterHub class. */
export const xlmRobertaSpec: ArchitectureSpec = {
  ...robertaSpec,
  modelType: 'xlm-roberta',
  adapterHub: {
    ...(robertaSpec.adapterHub as NonNullable<ArchitectureSpec['adapterHub']>),
    modelClass: 'XLMRobertaAdapterModel',
  },
};
