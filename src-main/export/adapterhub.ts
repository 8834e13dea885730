/**
 * AdapterHub export: a bottleneck adapter as the `adapters` library (v1.x) saves one with `model.save_adapter()`,
 * so `model.load_adapter(DIR)` restores it: adapter_config.json (`build_full_config`: model_type, hidden_size,
 * model_name, model_class, name, version and the full BnConfig under "config", keys sorted) and
 * adapter.safetensors (SAFE_WEIGHTS_NAME) with the library's module names.
 *
 * Verified by reading adapter-hub/adapters (src/adapters/{utils,loading}.py, configuration/adapter_config.py,
 * methods/{bottleneck,modeling}.py, models/bert/mixin_bert.py):
 * - weights live at `<prefix>.encoder.layer.<i>.attention.output.adapters.<name>.*` (location mh_adapter, after
 *   attention) and `<prefix>.encoder.layer.<i>.output.adapters.<name>.*` (output_adapter, after the FFN);
 *   `adapter_down` is Sequential(Linear, activation) so its weight is `adapter_down.0.weight`, `adapter_up` is a
 *   Linear; torch layout [out, in].
 * - the computation ours matches: with original_ln_before=false, residual_before_ln=true, ln_before/ln_after
 *   false and original_ln_after=true the sequential block is LN(x + a + up(act(down(a)))) (a: the sub-layer's
 *   output, x: its input), exactly our `sublayerOutput` hook; is_parallel=true gives LN(x + a + s·up(act(down(x)))),
 *   our parallel placement. So the config is a custom BnConfig (architecture null), not the Pfeiffer/Houlsby
 *   presets, whose original_ln_before differs for Pfeiffer.
 * - the bottleneck size is int(hidden_size // reduction_factor); we write hidden/size, exact for our sizes.
 * - the task head goes into head_config.json + model_head.safetensors (PredictionHeadLoader.save: the same
 *   build_full_config with the head's config, weights `heads.<name>.<i>.*`) as a flex ClassificationHead, whose
 *   modules are [Dropout, Linear, act, Dropout, Linear][:…]: RoBERTa's classifier (dense, tanh, out_proj on the
 *   first token) is layers=2 with dense at index 1 and out_proj at 4; BERT's (classifier on the pooled output) is
 *   layers=1, use_pooler=true, classifier at index 1 — written only when the base has the pooler it relies on.
 * Assumptions not yet checked with torch: that the files load without missing keys on a real `BertAdapterModel`
 * and give our outputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExportedFile } from '../../src-shared/export.ts';
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../node-shared/adapter-folder.ts';
import { bottleneckSize } from '../adapters/bottleneck/config.ts';
import type { BottleneckConfig } from '../adapters/bottleneck/config.ts';
import {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../node-shared/safetensors/index.ts';
import type { RawTensor } from '../node-shared/safetensors/index.ts';
import { transposeRaw } from '../adapters/peft/names.ts';
import { UserError } from '../errors.ts';
import { ARCHITECTURES, findArchitecture } from '../models/architectures.ts';
import type { AdapterHubNames } from '../models/architectures.ts';
import { cardTarget, writeCardAndBase } from './card-target.ts';
import { modelDirOf } from './run-source.ts';
import type { RunSource } from './run-source.ts';

/** The `adapters` release whose format this writes (its `version` field is "adapters." + __version__). */
const ADAPTERS_VERSION = '1.2.0';

/** The model types whose module names the architectures map for AdapterHub (for the refusal message). */
const adapterHubTypes = (): string[] => ARCHITECTURES.filter((a) => a.adapterHub).map((a) => a.modelType);

/** A Python-identifier-like adapter name from the run's name. */
export const adapterHubName = (runName: string): string =>
  runName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'adapter';

/** BnConfig.to_dict() for our configuration, every field present as the library writes it. */
export function bnConfig(c: BottleneckConfig, hidden: number): Record<string, unknown> {
  const size = bottleneckSize(c, hidden);
  return {
    adapter_residual_before_ln: false,
    architecture: null,
    cross_adapter: false,
    dropout: 0.0,
    factorized_phm_W: true,
    factorized_phm_rule: false,
    hypercomplex_nonlinearity: 'glorot-uniform',
    // The library's init schemes are named 'mam_adapter' and 'bert' (a scheme, not this base's architecture).
    init_weights: c.placement === 'parallel' ? 'mam_adapter' : 'bert',
    init_weights_seed: null,
    inv_adapter: null,
    inv_adapter_reduction_factor: null,
    is_parallel: c.placement === 'parallel',
    learn_phm: true,
    leave_out: [],
    ln_after: false,
    ln_before: false,
    mh_adapter: c.variant === 'houlsby',
    non_linearity: c.activation,
    original_ln_after: true,
    original_ln_before: false,
    output_adapter: true,
    phm_bias: true,
    phm_c_init: 'normal',
    phm_dim: 4,
    phm_init_range: 0.0001,
    phm_layer: false,
    phm_rank: 1,
    reduction_factor: hidden / size,
    residual_before_ln: true,
    // Our sequential adapters are unscaled; a parallel one is scaled by `scaling`, as ParallelAdapter does.
    scaling: c.placement === 'parallel' ? c.scaling : 1.0,
    shared_W_phm: false,
    shared_phm_rule: true,
    stochastic_depth: 0.0,
    use_gating: false,
  };
}

/** Our tensor name (adapters.<layer>.<attention|ffn>.<down|up>.<weight|bias>) -> the library's. */
export function adapterHubTensorName(ours: string, prefix: string, name: string): string | null {
  const m = /^adapters\.(\d+)\.(attention|ffn)\.(down|up)\.(weight|bias)$/.exec(ours);
  if (!m) return null;
  const [, layer, kind, proj, param] = m;
  const site = kind === 'attention' ? 'attention.output' : 'output';
  const module = proj === 'down' ? 'adapter_down.0' : 'adapter_up';
  return `${prefix}.encoder.layer.${layer}.${site}.adapters.${name}.${module}.${param}`;
}

/** The head_config "config" and model_head tensors of a classification run, or undefined (with a warning). */
function headFiles(
  s: RunSource,
  hub: AdapterHubNames,
  name: string,
  ours: ReadonlyMap<string, RawTensor>,
  config: Record<string, unknown>,
  warn?: (w: string) => void,
): { config: Record<string, unknown>; tensors: Map<string, RawTensor> } | undefined {
  const pooler = `${hub.prefix}.pooler.dense`;
  const trainedPooler = ours.has(`${pooler}.weight`);
  const headNames = [...ours.keys()].filter(
    (n) => n.startsWith('classifier.') || (trainedPooler && n.startsWith(`${pooler}.`)),
  );
  if (headNames.length === 0) return undefined;
  // Our head tensor -> its index in the flex ClassificationHead, as the architecture declares it. A pooler trained
  // with the head (a base without one, e.g. the default model) is dense + tanh on the first token: exactly a
  // 2-layer flex head without use_pooler, so it travels in the head instead of relying on the base's pooler.
  const layout = trainedPooler
    ? { layers: 2, index: { [pooler]: 1, classifier: 4 }, poolerWeight: null }
    : hub.head;
  const skip = (why: string) => {
    warn?.(`the task head is not in the AdapterHub folder (${why}); it travels in the bundle`);
    return undefined;
  };
  if (!layout) return skip(`no head mapping for ${hub.modelClass}`);
  if (layout.poolerWeight) {
    const header = readSafetensorsHeader(path.join(modelDirOf(s), 'model.safetensors'));
    if (!header.tensors.has(layout.poolerWeight)) return skip('the base model has no pooler');
  }
  const tensors = new Map<string, RawTensor>();
  for (const n of headNames) {
    const m = /^(.*)\.(weight|bias)$/.exec(n);
    const index = m ? layout.index[m[1] as string] : undefined;
    if (!m || index === undefined) return skip(`unexpected head tensor ${n}`);
    const t = ours.get(n) as RawTensor;
    tensors.set(`heads.${name}.${index}.${m[2]}`, m[2] === 'weight' ? transposeRaw(t, 'tf-to-torch') : t);
  }
  const labels = Array.isArray(config.labels) ? config.labels.map(String) : [];
  const numLabels =
    labels.length ||
    (tensors.get(`heads.${name}.${Math.max(...Object.values(layout.index))}.bias`)?.shape[0] ?? 0);
  return {
    config: {
      activation_function: 'tanh',
      bias: true,
      dropout_prob: null,
      head_type: 'classification',
      label2id: labels.length ? Object.fromEntries(labels.map((l, i) => [l, i])) : null,
      layers: layout.layers,
      num_labels: numLabels,
      use_pooler: layout.poolerWeight !== null,
    },
    tensors,
  };
}

export async function writeAdapterHub(
  s: RunSource,
  outDir: string,
  warn?: (w: string) => void,
): Promise<ExportedFile[]> {
  const modelConfig = JSON.parse(fs.readFileSync(path.join(modelDirOf(s), 'config.json'), 'utf8')) as {
    model_type?: string;
    hidden_size?: number;
  };
  const type = String(modelConfig.model_type);
  const hub = findArchitecture(type)?.adapterHub;
  if (!hub || typeof modelConfig.hidden_size !== 'number')
    throw new UserError(
      `run ${s.run.id}: AdapterHub export maps the module names of ${adapterHubTypes().join(', ')}; this base is ${type}: export a bundle instead`,
    );
  const studio = JSON.parse(fs.readFileSync(path.join(s.adapterDir, STUDIO_ADAPTER_FILE), 'utf8')) as {
    config: BottleneckConfig;
  };
  const name = adapterHubName(s.run.name);
  const tensors = new Map<string, RawTensor>();
  const ours = readSafetensors(path.join(s.adapterDir, STUDIO_WEIGHTS_FILE)).tensors;
  for (const [ours_, t] of ours) {
    const theirs = adapterHubTensorName(ours_, hub.prefix, name);
    // Head tensors (classifier.*) go to the head file.
    if (theirs) tensors.set(theirs, ours_.endsWith('.weight') ? transposeRaw(t, 'tf-to-torch') : t);
  }
  if (tensors.size === 0) throw new UserError(`${s.adapterDir}: no bottleneck adapter tensors found`);
  const config: Record<string, unknown> = {
    config: bnConfig(studio.config, modelConfig.hidden_size),
    hidden_size: modelConfig.hidden_size,
    model_class: hub.modelClass,
    // What the card's snippet loads: "default" means nothing outside the studio.
    model_name: cardTarget(s, 'adapterhub').baseLoad,
    model_type: type,
    name,
    version: `adapters.${ADAPTERS_VERSION}`,
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'adapter_config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeSafetensors(path.join(outDir, 'adapter.safetensors'), tensors, { format: 'pt' });
  const written = ['adapter_config.json', 'adapter.safetensors'];
  const head = headFiles(s, hub, name, ours, studio.config as unknown as Record<string, unknown>, warn);
  if (head) {
    const headConfig = { ...config, config: head.config };
    fs.writeFileSync(path.join(outDir, 'head_config.json'), `${JSON.stringify(headConfig, null, 2)}\n`);
    writeSafetensors(path.join(outDir, 'model_head.safetensors'), head.tensors, { format: 'pt' });
    written.push('head_config.json', 'model_head.safetensors');
  }
  return [
    ...written.map((f) => ({ name: f, bytes: fs.statSync(path.join(outDir, f)).size })),
    ...writeCardAndBase(s, 'adapterhub', outDir),
  ];
}
