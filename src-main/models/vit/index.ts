import { graphLoader, registerArchitecture } from '../base/registry.ts';
import { parseVitConfig } from './config.ts';
import { VitModel } from './graph.ts';
import { vitSpec } from './spec.ts';
import { vitParamSpecs } from './weights.ts';

registerArchitecture(graphLoader(vitSpec, parseVitConfig, vitParamSpecs, (c, p) => new VitModel(c, p)));
