import { graphLoader, registerArchitecture } from '../base/registry.ts';
import { parseBertConfig } from './config.ts';
import { BertModel } from './graph.ts';
import { bertSpec } from './spec.ts';
import { bertParamSpecs } from './weights.ts';

/** BERT's graph also serves RoBERTa (roberta/index.ts), keyed on the config's model_type. */
export const loadBertFamily = (spec: typeof bertSpec) =>
  graphLoader(spec, parseBertConfig, bertParamSpecs, (c, p) => new BertModel(c, p));

registerArchitecture(loadBertFamily(bertSpec));
