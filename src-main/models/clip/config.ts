import { z } from 'zod';
import { activationSchema, id2labelSchema, labelsFrom, parseConfig, taskFrom } from '../base/config-utils.ts';
import { ModelConfigError } from '../base/errors.ts';
import { declaredFields } from '../base/spec.ts';
import { clipSpec } from './spec.ts';
import type { CommonConfig } from '../base/types.ts';

/** transformers' CLIPTextConfig / CLIPVisionConfig defaults (openai/clip-vit-base-patch32). */
const tower = {
  hidden_act: activationSchema('quick_gelu'),
  layer_norm_eps: z.number().positive().default(1e-5),
  attention_dropout: z.number().min(0).max(1).default(0),
};
const textSchema = z.object({
  vocab_size: z.number().int().positive().default(49408),
  hidden_size: z.number().int().positive().default(512),
  intermediate_size: z.number().int().positive().default(2048),
  num_hidden_layers: z.number().int().positive().default(12),
  num_attention_heads: z.number().int().positive().default(8),
  max_position_embeddings: z.number().int().positive().default(77),
  pad_token_id: z.number().int().nullish(),
  eos_token_id: z.number().int().default(49407),
  ...tower,
});
const visionSchema = z.object({
  hidden_size: z.number().int().positive().default(768),
  intermediate_size: z.number().int().positive().default(3072),
  num_hidden_layers: z.number().int().positive().default(12),
  num_attention_heads: z.number().int().positive().default(12),
  image_size: z.number().int().positive().default(224),
  patch_size: z.number().int().positive().default(32),
  num_channels: z.number().int().positive().default(3),
  ...tower,
});
const schema = z.object({
  model_type: z.literal('clip'),
  architectures: z.array(z.string()).nullish(),
  id2label: id2labelSchema,
  num_labels: z.number().int().optional(),
  projection_dim: z.number().int().positive().default(512),
  text_config: textSchema.default(textSchema.parse({})),
  vision_config: visionSchema.default(visionSchema.parse({})),
});

export interface ClipTower {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  act: string;
  eps: number;
  attentionDropout: number;
}

export interface ClipConfig extends CommonConfig {
  projectionDim: number;
  text: ClipTower & {
    vocabSize: number;
    maxPositions: number;
    eosTokenId: number;
    padTokenId: number | null;
  };
  vision: ClipTower & { imageSize: number; patchSize: number; channels: number };
  /** The vision tower's image size and channels, where the image pipeline looks for them on every image model. */
  imageSize: number;
  channels: number;
  /**
   * Loaded as an image classifier (a dataset's labels): each label's prompt, tokenized by the folder's tokenizer
   * ([labels, length] ids and mask). An image-only forward pass then gives logits over the labels.
   */
  prompts?: { ids: Int32Array; mask: Int32Array; length: number };
  /**
   * Read as a video classifier (`ClipForVideoClassification`, a clip dataset): a linear `classifier` on the vision
   * tower's pooled output, averaged over each clip's frames, replaces the label prompts. Why: a video class
   * ("left-to-right") is a motion, which no single frame's image embedding shows and no caption CLIP was trained on
   * names, so prompt prototypes carry no signal; and a linear head is what the ST-Adapter paper puts on CLIP and
   * what a linear probe needs. It reads the features before `visual_projection`, as the CLIP paper's linear probes do.
   */
  video: boolean;
  /** The folder's image normalisation (preprocessor_config.json, else CLIP's statistics), set by the loader. */
  imageNorm?: { mean: number[]; std: number[] };
}

/** The prompt of each label when CLIP classifies (zero-shot, and the class prototypes CLIP-Adapter trains against). */
export const DEFAULT_PROMPT_TEMPLATE = 'a photo of a {label}';

const towerOf = (c: z.output<typeof textSchema> | z.output<typeof visionSchema>): ClipTower => ({
  hiddenSize: c.hidden_size,
  intermediateSize: c.intermediate_size,
  numLayers: c.num_hidden_layers,
  numHeads: c.num_attention_heads,
  act: c.hidden_act,
  eps: c.layer_norm_eps,
  attentionDropout: c.attention_dropout,
});

export function parseClipConfig(file: string, raw: unknown): ClipConfig {
  const c = parseConfig(file, schema, raw);
  const t = c.text_config;
  const v = c.vision_config;
  if (v.image_size % v.patch_size !== 0)
    throw new ModelConfigError(
      file,
      `vision_config.image_size ${v.image_size} is not a multiple of patch_size ${v.patch_size}`,
    );
  for (const [name, s] of [
    ['text_config', t],
    ['vision_config', v],
  ] as const) {
    if (s.hidden_size % s.num_attention_heads !== 0)
      throw new ModelConfigError(
        file,
        `${name}.hidden_size ${s.hidden_size} is not divisible by num_attention_heads ${s.num_attention_heads}`,
      );
  }
  // ClipForImageClassification is this studio's own name for CLIP read as a classifier over label prompts;
  // ClipForVideoClassification for CLIP read as a video classifier with a linear head (see `video` above).
  const task = taskFrom(c.architectures) === 'image-classification' ? 'image-classification' : 'base';
  const video = task === 'image-classification' && /ForVideoClassification$/.test(c.architectures?.[0] ?? '');
  const declared = declaredFields(clipSpec, task);
  return {
    ...declared,
    headModules: video ? ['classifier'] : declared.headModules,
    video,
    // The shared fields describe the text tower (what tokenizers and sequence-length checks read).
    hiddenSize: t.hidden_size,
    numLayers: t.num_hidden_layers,
    numHeads: t.num_attention_heads,
    vocabSize: t.vocab_size,
    labels: task === 'base' ? [] : labelsFrom(c),
    projectionDim: c.projection_dim,
    text: {
      ...towerOf(t),
      vocabSize: t.vocab_size,
      maxPositions: t.max_position_embeddings,
      eosTokenId: t.eos_token_id,
      padTokenId: t.pad_token_id ?? null,
    },
    vision: { ...towerOf(v), imageSize: v.image_size, patchSize: v.patch_size, channels: v.num_channels },
    // graph.ts numbers the vision tower's layers after the text tower's in the sub-layer hook.
    sublayerWidths: [
      ...Array<number>(t.num_hidden_layers).fill(t.hidden_size),
      ...Array<number>(v.num_hidden_layers).fill(v.hidden_size),
    ],
    imageSize: v.image_size,
    channels: v.num_channels,
  };
}
