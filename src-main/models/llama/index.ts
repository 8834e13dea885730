import { graphLoader, registerArchitecture } from '../base/registry.ts';
import { parseLlamaConfig } from './config.ts';
import { LlamaModel } from './graph.ts';
import { llamaSpec } from './spec.ts';
import { llamaParamSpecs } from './weights.ts';

registerArchitecture(
  graphLoader(llamaSpec, parseLlamaConfig, llamaParamSpecs, (c, p) => new LlamaModel(c, p)),
);
