import { TEXT_TRANSFORMER_HOOKS } from '../base/spec.ts';
import type { ArchitectureSpec } from '../base/spec.ts';

export const gpt2Spec: ArchitectureSpec = {
  modelType: 'gpt2',
  inputKind: 'text',
  hooks: TEXT_TRANSFORMER_HOOKS,
  loraTargets: ['c_attn'],
  ia3: { targets: ['c_attn', 'mlp.c_proj'], feedforward: ['mlp.c_proj'] },
  // GPT-2's projections are Conv1D modules: PEFT writes fan_in_fan_out for them.
  conv1d: true,
  // The LM head is tied to the embeddings and stays frozen: nothing to save with the adapter.
  heads: {},
  adapterHub: null,
};
