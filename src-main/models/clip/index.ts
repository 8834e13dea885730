import { graphLoader, registerArchitecture } from '../base/registry.ts';
import { parseClipConfig } from './config.ts';
import { ClipModel } from './graph.ts';
import { clipSpec } from './spec.ts';
import { clipParamSpecs } from './weights.ts';

registerArchitecture(graphLoader(clipSpec, parseClipConfig, clipParamSpecs, (c, p) => new ClipModel(c, p)));
