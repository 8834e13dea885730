import { graphLoader, registerArchitecture } from '../base/registry.ts';
import { parseResnetConfig } from './config.ts';
import { ResnetModel } from './graph.ts';
import { resnetSpec } from './spec.ts';
import { resnetParamSpecs } from './weights.ts';

registerArchitecture(
  graphLoader(resnetSpec, parseResnetConfig, resnetParamSpecs, (c, p) => new ResnetModel(c, p)),
);
