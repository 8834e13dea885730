import { z } from 'zod';
import { id2labelSchema, labelsFrom, parseConfig, taskFrom } from '../base/config-utils.ts';
import { ModelConfigError } from '../base/errors.ts';
import { declaredFields } from '../base/spec.ts';
import { resnetSpec } from './spec.ts';
import type { CommonConfig } from '../base/types.ts';

const schema = z.object({
  model_type: z.literal('resnet'),
  architectures: z.array(z.string()).nullish(),
  num_channels: z.number().int().positive().default(3),
  embedding_size: z.number().int().positive(),
  hidden_sizes: z.array(z.number().int().positive()).min(1),
  depths: z.array(z.number().int().positive()).min(1),
  layer_type: z.enum(['basic', 'bottleneck']).default('bottleneck'),
  hidden_act: z.enum(['relu']).default('relu'),
  downsample_in_first_stage: z.boolean().default(false),
  downsample_in_bottleneck: z.boolean().default(false),
  id2label: id2labelSchema,
  num_labels: z.number().int().optional(),
});

export interface ResnetConfig extends CommonConfig {
  channels: number;
  embeddingSize: number;
  hiddenSizes: number[];
  depths: number[];
  layerType: 'basic' | 'bottleneck';
  downsampleInFirstStage: boolean;
  downsampleInBottleneck: boolean;
}

export function parseResnetConfig(file: string, raw: unknown): ResnetConfig {
  const c = parseConfig(file, schema, raw);
  if (c.hidden_sizes.length !== c.depths.length) {
    throw new ModelConfigError(file, 'hidden_sizes and depths must have the same length');
  }
  const task = taskFrom(c.architectures);
  return {
    ...declaredFields(resnetSpec, task === 'base' ? 'image-classification' : task),
    hiddenSize: c.hidden_sizes[c.hidden_sizes.length - 1] as number,
    numLayers: c.depths.reduce((a, b) => a + b, 0),
    numHeads: 0,
    vocabSize: null,
    labels: labelsFrom(c),
    channels: c.num_channels,
    embeddingSize: c.embedding_size,
    hiddenSizes: c.hidden_sizes,
    depths: c.depths,
    layerType: c.layer_type,
    downsampleInFirstStage: c.downsample_in_first_stage,
    downsampleInBottleneck: c.downsample_in_bottleneck,
  };
}
