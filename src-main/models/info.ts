import { resolveModelDir } from './default-model.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { ModelInfo } from '../../src-shared/domain.ts';
import { UserError, jsonSyntaxProblem } from '../errors.ts';
import { callsHook, findArchitecture } from './architectures.ts';
import { modelParameterCount } from './param-count.ts';
import { readTokenizerFiles } from './tokenizer/fallback.ts';

/** A model folder's summary for the Models page, without building the graph or reading the weights' data. */
export function modelInfo(folder: string): ModelInfo {
  const dir = resolveModelDir(folder);
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile))
    throw new UserError(`${configFile}: not found: choose a Hugging Face model folder`);
  const text = fs.readFileSync(configFile, 'utf8');
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${configFile}: ${jsonSyntaxProblem(err, text)}`);
  }
  // Two-tower models (CLIP) keep their sizes per tower: the text tower's stand for the model, as in its config.
  const textTower = (typeof c.text_config === 'object' && c.text_config ? c.text_config : {}) as Record<
    string,
    unknown
  >;
  const num = (...keys: string[]) => {
    for (const src of [c, textTower])
      for (const k of keys) if (typeof src[k] === 'number') return src[k] as number;
    return 0;
  };
  const parameters = modelParameterCount(dir);
  const id2label = (c.id2label ?? {}) as Record<string, string>;
  const tok = readTokenizerFiles(dir);
  return {
    path: path.resolve(dir),
    architecture: String(c.model_type ?? 'unknown'),
    inputKind: findArchitecture(String(c.model_type))?.inputKind ?? null,
    task: String((c.architectures as string[] | undefined)?.[0] ?? 'unknown'),
    parameters,
    hiddenSize:
      num('hidden_size', 'dim', 'n_embd') || ((c.hidden_sizes as number[] | undefined)?.at(-1) ?? 0),
    layers:
      num('num_hidden_layers', 'n_layers', 'n_layer') ||
      ((c.depths as number[] | undefined)?.reduce((a, b) => a + b, 0) ?? 0),
    labels: Object.entries(id2label)
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([, v]) => v),
    tokenizer: tok?.kind ?? null,
    video: callsHook(String(c.model_type), 'videoTokens'),
  };
}
