import { readModelWeights } from '../../engine/safetensors/index.ts';
import { ParamStore } from '../base/params.ts';
import { registerArchitecture } from '../base/registry.ts';
import { parseGpt2Config } from './config.ts';
import { Gpt2Model } from './graph.ts';
import { gpt2ParamSpecs } from './weights.ts';

registerArchitecture({
  modelType: 'gpt2',
  load(dir, rawConfig, configFile) {
    const config = parseGpt2Config(configFile, rawConfig);
    return new Gpt2Model(config, ParamStore.load(dir, readModelWeights(dir).tensors, gpt2ParamSpecs(config)));
  },
});
