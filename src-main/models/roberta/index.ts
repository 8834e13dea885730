/**
 * RoBERTa is BERT's graph with positions numbered after pad_token_id, a single token type and a two-layer
 * classification head; bert/ implements both, keyed on the config's model_type.
 */
import { registerArchitecture } from '../base/registry.ts';
import { loadBertFamily } from '../bert/index.ts';
import { robertaSpec, xlmRobertaSpec } from './spec.ts';

registerArchitecture(loadBertFamily(robertaSpec));
registerArchitecture(loadBertFamily(xlmRobertaSpec));
