import { readModelWeights } from '../../engine/safetensors/index.ts';
import { ParamStore } from '../base/params.ts';
import { registerArchitecture } from '../base/registry.ts';
import { parseVitConfig } from './config.ts';
import { VitModel } from './graph.ts';
import { vitParamSpecs } from './weights.ts';

registerArchitecture({
  modelType: 'vit',
  load(dir, rawConfig, configFile) {
    const config = parseVitConfig(configFile, rawConfig);
    return new VitModel(config, ParamStore.load(dir, readModelWeights(dir).tensors, vitParamSpecs(config)));
  },
});
