import { graphLoader, registerArchitecture } from '../base/registry.ts';
import { parseDistilBertConfig } from './config.ts';
import { DistilBertModel } from './graph.ts';
import { distilBertSpec } from './spec.ts';
import { distilBertParamSpecs } from './weights.ts';

registerArchitecture(
  graphLoader(
    distilBertSpec,
    parseDistilBertConfig,
    distilBertParamSpecs,
    (c, p) => new DistilBertModel(c, p),
  ),
);
