import { readModelWeights } from '../../engine/safetensors/index.ts';
import { ParamStore } from '../base/params.ts';
import { registerArchitecture } from '../base/registry.ts';
import type { Architecture } from '../base/registry.ts';
import { parseBertConfig } from './config.ts';
import { BertModel } from './graph.ts';
import { bertParamSpecs } from './weights.ts';

/** Loads a BERT-family folder; RoBERTa registers the same loader under its own model types. */
export const loadBertFamily: Architecture['load'] = (dir, rawConfig, configFile) => {
  const config = parseBertConfig(configFile, rawConfig);
  return new BertModel(config, ParamStore.load(dir, readModelWeights(dir).tensors, bertParamSpecs(config)));
};

registerArchitecture({ modelType: 'bert', load: loadBertFamily });
