/**
 * A classification head for a checkpoint that has none (a masked-LM or bare encoder such as the bundled default
 * model, a causal LM), as transformers' AutoModelFor{Sequence,Image}Classification.from_pretrained does: the config
 * is read as the classification architecture with the dataset's labels, and the head weights the file lacks start
 * fresh (N(0, 0.02) weights, zero biases, seeded so the same base always gets the same start). Weights of the old
 * head are reported as unexpected, not loaded.
 */
import type { InputKind } from './types.ts';

export interface HeadOverride {
  task: 'sequence-classification';
  labels: readonly string[];
  /**
   * The examples are video clips: an image model reads them as a video classifier (`<Arch>ForVideoClassification`,
   * this studio's own name). A ViT's image head serves as is; CLIP, whose image classes are its label prompts,
   * then gets a linear head on its frame-averaged image features instead (models/clip/config.ts says why).
   */
  video?: boolean;
}

/** Classification architectures end in these suffixes (models/base/config-utils.ts taskFrom). */
const isClassifier = (architectures: unknown) =>
  Array.isArray(architectures) &&
  typeof architectures[0] === 'string' &&
  /For(Sequence|Image|Video)Classification$/.test(architectures[0]);

/** The raw config read as a classifier with `labels`, or undefined when it already is one. */
export function asClassifierConfig(
  raw: Record<string, unknown>,
  override: HeadOverride,
  inputKind: InputKind,
): Record<string, unknown> | undefined {
  if (isClassifier(raw.architectures)) return undefined;
  const type = String(raw.model_type ?? '');
  const base = type.replace(/(^|[-_])(\w)/g, (_, _s: string, c: string) => c.toUpperCase());
  return {
    ...raw,
    architectures: [
      // A two-tower model (CLIP) classifies images: its classes are the labels' prompts.
      `${base}${inputKind === 'text' ? 'ForSequenceClassification' : override.video ? 'ForVideoClassification' : 'ForImageClassification'}`,
    ],
    id2label: Object.fromEntries(override.labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(override.labels.map((l, i) => [l, i])),
    num_labels: override.labels.length,
  };
}

/** Head weights a fresh classifier may lack: classifier/score/pre_classifier layers and BERT's pooler. */
export const isNewHeadWeight = (name: string): boolean =>
  /^(classifier|score|pre_classifier)(\.|$)/.test(name) || /(^|\.)pooler\./.test(name);

/** A deterministic seed per weight name, so fresh heads do not depend on load order. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}
