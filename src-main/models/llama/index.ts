import { readModelWeights } from '../../engine/safetensors/index.ts';
import { ParamStore } from '../base/params.ts';
import { registerArchitecture } from '../base/registry.ts';
import { parseLlamaConfig } from './config.ts';
import { LlamaModel } from './graph.ts';
import { llamaParamSpecs } from './weights.ts';

registerArchitecture({
  modelType: 'llama',
  load(dir, rawConfig, configFile) {
    const config = parseLlamaConfig(configFile, rawConfig);
    return new LlamaModel(
      config,
      ParamStore.load(dir, readModelWeights(dir).tensors, llamaParamSpecs(config)),
    );
  },
});
