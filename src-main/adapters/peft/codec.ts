/**
 * What a method declares to read and write PEFT's files (adapter_config.json + adapter_model.safetensors). The
 * method folder owns its mapping; adapters/io.ts only finds the codec and writes the files.
 */
import type { MethodConfigOf, MethodType } from '../../../src-shared/methods.ts';
import type { RawTensor } from '../../engine/safetensors/index.ts';
import type { AdapterInstance } from '../base/types.ts';

/** What PEFT's config needs to know about the base model. */
export interface PeftModelContext {
  task: string;
  modelType: string;
  numLayers: number;
  numHeads: number;
  hiddenSize: number;
  /** The architecture stores linear weights as [in, out] (GPT-2's Conv1D): PEFT's fan_in_fan_out. */
  fanInFanOut: boolean;
  /** The architecture's default LoRA targets (written out when the config leaves them to the default). */
  defaultLoraTargets: readonly string[] | string;
  /** The architecture's `auto_mapping` (models/base/spec.ts), written when the task has no PEFT task type. */
  autoMapping?: { base_model_class: string; parent_library: string };
}

export interface PeftCodec<K extends MethodType = MethodType> {
  /** PEFT's `peft_type`. */
  peftType: string;
  /** Every key PEFT 0.21 writes for this type: others are reported as unknown (a newer PEFT?). */
  knownKeys: readonly string[];
  /** Claims an adapter_config.json of its peft_type (LoRA and DoRA share LORA); default: every one. */
  claims?(raw: Record<string, unknown>): boolean;
  /** Our `method` block (without `type`) from adapter_config.json; throws a message naming the PEFT key. */
  configFromPeft(raw: Record<string, unknown>): Record<string, unknown>;
  /** adapter_config.json's keys, PEFT's defaults for this type included; io.ts adds the common ones. */
  configToPeft(config: MethodConfigOf<K>, ctx: PeftModelContext): Record<string, unknown>;
  /** A tensor of adapter_model.safetensors -> our name and layout. */
  tensorFromPeft(name: string, t: RawTensor): [string, RawTensor];
  /** One of our saved tensors -> PEFT's name and layout. */
  tensorToPeft(name: string, t: RawTensor, adapter: AdapterInstance): [string, RawTensor];
}
