import { graphLoader, registerArchitecture } from '../base/registry.ts';
import { parseGpt2Config } from './config.ts';
import { Gpt2Model } from './graph.ts';
import { gpt2Spec } from './spec.ts';
import { gpt2ParamSpecs } from './weights.ts';

registerArchitecture(graphLoader(gpt2Spec, parseGpt2Config, gpt2ParamSpecs, (c, p) => new Gpt2Model(c, p)));
