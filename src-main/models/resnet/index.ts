import { readModelWeights } from '../../engine/safetensors/index.ts';
import { ParamStore } from '../base/params.ts';
import { registerArchitecture } from '../base/registry.ts';
import { parseResnetConfig } from './config.ts';
import { ResnetModel } from './graph.ts';
import { resnetParamSpecs } from './weights.ts';

registerArchitecture({
  modelType: 'resnet',
  load(dir, rawConfig, configFile) {
    const config = parseResnetConfig(configFile, rawConfig);
    return new ResnetModel(
      config,
      ParamStore.load(dir, readModelWeights(dir).tensors, resnetParamSpecs(config)),
    );
  },
});
