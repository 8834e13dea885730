/**
 * Merged export: an adapter folded into its base model's weights, written as a Hugging Face model folder that
 * transformers loads as is. `studio merge` and `studio export --format merged` both come here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadAdapter } from '../adapters/io.ts';
import { adapterLabels, loadBaseForAdapter } from '../adapters/base-for-adapter.ts';
import { transposeRaw } from '../adapters/peft/names.ts';
import { activeBackend, initBackend } from '../engine/backends.ts';
import { writeSafetensors } from '../node-shared/safetensors/index.ts';
import type { RawTensor } from '../node-shared/safetensors/index.ts';
import { mergingLabels } from '../../src-shared/export.ts';
import { UserError } from '../errors.ts';
import type { Model } from '../models/index.ts';
import { asClassifierConfig } from '../models/base/new-head.ts';
import type { InputKind } from '../models/base/types.ts';
import { resolveModelDir } from '../models/default-model.ts';

/** Files of a model folder that travel unchanged into a merged folder (tokenizer, generation settings). */
const COPY =
  /^(tokenizer(_config)?\.json|vocab\.(txt|json)|merges\.txt|special_tokens_map\.json|generation_config\.json|preprocessor_config\.json)$/;

/**
 * The merged folder's config.json: the source's, with the architecture of the head the weights carry (a
 * classifier for the labels when the source had none, e.g. the masked-LM default model) and the dtype of the
 * weights written (float32), so transformers builds the right class and does not cast to the source's float16.
 */
export function mergedConfig(
  source: Record<string, unknown>,
  labels?: readonly string[],
  inputKind: InputKind = 'text',
): Record<string, unknown> {
  let config = { ...source };
  if (labels?.length) {
    config = asClassifierConfig(config, { task: 'sequence-classification', labels }, inputKind) ?? {
      ...config,
      id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    };
  }
  delete config.torch_dtype;
  config.dtype = 'float32';
  return config;
}

/**
 * Writes `model` (with any merged adapter folded in) as a Hugging Face folder loadable by transformers: config.json
 * (mergedConfig), model.safetensors in torch layout (float32), and the tokenizer files of the source folder.
 */
export async function writeMergedFolder(
  model: Model,
  sourceDir: string,
  outDir: string,
  headWeights?: ReadonlyMap<string, RawTensor>,
  labels?: readonly string[],
): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const raw = await model.params.toRaw();
  // The trained head replaces the base's, shape included (a head for another label count).
  if (headWeights) for (const [n, t] of headWeights) if (raw.has(n)) raw.set(n, t);
  writeSafetensors(path.join(outDir, 'model.safetensors'), raw, { format: 'pt' });
  const source = JSON.parse(fs.readFileSync(path.join(sourceDir, 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const config = mergedConfig(source, labels, model.config.inputKind);
  fs.writeFileSync(path.join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  for (const f of fs.readdirSync(sourceDir))
    if (COPY.test(f)) fs.copyFileSync(path.join(sourceDir, f), path.join(outDir, f));
}

/**
 * Merges the LoRA or IA3 adapter in `adapterDir` into the model in `modelDir` ("default" allowed) and writes the
 * result to `outDir`; refuses other methods with one line naming the adapter folder.
 */
export async function mergeAdapterFolder(
  modelDir: string,
  adapterDir: string,
  outDir: string,
  warn?: (w: string) => void,
): Promise<void> {
  // In the engine process the backend is already chosen; probing again would only cost time.
  if (!activeBackend()) await initBackend();
  const model = loadBaseForAdapter(modelDir, adapterDir);
  try {
    const adapter = loadAdapter(model, adapterDir, { ...(warn ? { warn } : {}) });
    try {
      if (!adapter.merge)
        throw new UserError(
          `${adapterDir}: a ${adapter.method} adapter cannot be merged (only ${mergingLabels()})`,
        );
      await adapter.merge();
      // modules_to_save (the trained head) replaces the base head in the merged model.
      const headRaw = new Map<string, RawTensor>();
      for (const [name, w] of adapter.weights) {
        if (!model.params.has(name) || !/\.(weight|bias)$/.test(name)) continue;
        const t: RawTensor = { dtype: 'float32', shape: w.shape, data: Float32Array.from(await w.data()) };
        headRaw.set(name, model.params.layout(name) === 'linear' ? transposeRaw(t, 'tf-to-torch') : t);
      }
      await writeMergedFolder(model, resolveModelDir(modelDir), outDir, headRaw, adapterLabels(adapterDir));
    } finally {
      adapter.dispose();
    }
  } finally {
    model.dispose();
  }
}
