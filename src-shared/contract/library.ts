/**
 * Contract of the Models and Adapters pages and the New-run page's helpers: base models, the adapter library,
 * the playground, the live preview of a config and the presets saved per project.
 */
// Handlers: src-main/services/library-handlers.ts.
import { z } from 'zod';
import type { ModelInfo } from '../domain.ts';
import { MAX_PLAYGROUND_IMAGE_BASE64 } from '../library.ts';
import type { AdapterEntry, ModelEntry, PlaygroundResult, PresetView, RunPreview } from '../library.ts';
import { trainConfigSchema } from '../train-config.ts';
import { projectPath } from './common.ts';
import type { Done } from './common.ts';
import { call } from './define.ts';

const inProject = z.object({ project: projectPath }).strict();
const anEntry = z.object({ project: projectPath, id: z.number().int().positive() }).strict();

export const libraryCalls = {
  'models:info': call(z.object({ path: projectPath }).strict()).returns<ModelInfo>(),
  'models:list': call(inProject).returns<ModelEntry[]>(),
  'models:add': call(z.object({ project: projectPath, path: projectPath }).strict()).returns<ModelEntry>(),
  'models:remove': call(anEntry).returns<Done>(),
  'adapters:list': call(inProject).returns<AdapterEntry[]>(),
  'playground:predict': call(
    z
      .object({
        project: projectPath,
        /** "default" or a model folder: the base the adapters were trained on. */
        model: z.string().min(1).max(4096),
        runIds: z.array(z.number().int().positive()).max(16),
        text: z.string().max(100_000).optional(),
        pair: z.string().max(100_000).optional(),
        /** PNG or JPEG, base64, for image models (at most MAX_PLAYGROUND_IMAGE_BYTES). */
        imageBase64: z
          .string()
          .max(MAX_PLAYGROUND_IMAGE_BASE64, 'the image is too large for the playground (at most 20 MiB)')
          .optional(),
        /**
         * Video for an image base (ST-Adapter): a clip as one animated GIF or as frame images in order, base64;
         * it is classified as one example (the frames' features averaged, the adapter mixing them in time).
         */
        framesBase64: z
          .array(
            z
              .string()
              .max(MAX_PLAYGROUND_IMAGE_BASE64, 'a frame is too large for the playground (at most 20 MiB)'),
          )
          .max(64, 'at most 64 frames')
          .optional(),
        /** A CLIP base: the labels to rank (zero-shot) and the prompt template with {label} in it. */
        labels: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
        template: z.string().max(500).optional(),
        /** A multi-task adapter answers this task only (by name); without it, every task in a column. */
        task: z.string().min(1).max(200).optional(),
      })
      .strict(),
  ).returns<PlaygroundResult>(),
  /** The New-run page's live preview of a config (parameter counts, memory estimate). */
  'runs:preview': call(z.object({ config: trainConfigSchema }).strict()).returns<RunPreview>(),
  'presets:list': call(inProject).returns<PresetView[]>(),
  'presets:save': call(
    z
      .object({
        project: projectPath,
        name: z.string().trim().min(1, 'name the preset').max(80),
        config: trainConfigSchema.omit({ project: true }),
      })
      .strict(),
  ).returns<PresetView>(),
  'presets:delete': call(anEntry).returns<Done>(),
} as const;
