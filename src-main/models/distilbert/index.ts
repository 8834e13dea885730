import { readModelWeights } from '../../engine/safetensors/index.ts';
import { ParamStore } from '../base/params.ts';
import { registerArchitecture } from '../base/registry.ts';
import { parseDistilBertConfig } from './config.ts';
import { DistilBertModel } from './graph.ts';
import { distilBertParamSpecs } from './weights.ts';

registerArchitecture({
  modelType: 'distilbert',
  load(dir, rawConfig, configFile) {
    const config = parseDistilBertConfig(configFile, rawConfig);
    return new DistilBertModel(
      config,
      ParamStore.load(dir, readModelWeights(dir).tensors, distilBertParamSpecs(config)),
    );
  },
});
