import { readModelWeights } from '../../engine/safetensors/index.ts';
import { ParamStore } from '../base/params.ts';
import { registerArchitecture } from '../base/registry.ts';
import { loadTokenizer } from '../tokenizer/index.ts';
import { DEFAULT_PROMPT_TEMPLATE, parseClipConfig } from './config.ts';
import type { ClipConfig } from './config.ts';
import { ClipModel } from './graph.ts';
import { imageNormalisation } from './preprocess.ts';
import { clipSpec } from './spec.ts';
import { clipParamSpecs } from './weights.ts';

/** Each label's prompt through the folder's tokenizer, padded to the longest (the classifier's fixed text input). */
function labelPrompts(dir: string, c: ClipConfig): ClipConfig['prompts'] {
  const tok = loadTokenizer(dir);
  const texts = c.labels.map((l) => DEFAULT_PROMPT_TEMPLATE.split('{label}').join(l));
  const enc = tok.encodeBatch(texts, { maxLength: c.text.maxPositions });
  return { ids: enc.ids, mask: enc.mask, length: enc.length };
}

// Not graphLoader: read as a classifier, CLIP also needs the folder's tokenizer for its label prompts.
registerArchitecture({
  spec: clipSpec,
  load(dir, raw, configFile) {
    const config = parseClipConfig(configFile, raw);
    // A video classifier's classes are its linear head's, not prompts.
    if (config.task === 'image-classification' && !config.video) config.prompts = labelPrompts(dir, config);
    config.imageNorm = imageNormalisation(dir);
    return new ClipModel(config, ParamStore.load(dir, readModelWeights(dir).tensors, clipParamSpecs(config)));
  },
});
