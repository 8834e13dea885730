import { methodDefinition, methodTypes } from '../../../src-shared/methods.ts';
import type { MethodConfig, MethodType } from '../../../src-shared/methods.ts';
import { UserError } from '../../errors.ts';
import type { Model } from '../../models/base/types.ts';
import type { AdapterInstance, AdapterMethod, CreateOptions } from './types.ts';

const methods = new Map<MethodType, AdapterMethod>();

/** Adding a method = a folder whose index.ts calls this, plus one row in the test matrix. */
export function registerMethod<K extends MethodType>(m: AdapterMethod<K>): AdapterMethod<K> {
  // The map holds every method; each is only ever called with its own config (createFor/fromWeightsFor).
  methods.set(m.type, m as unknown as AdapterMethod);
  return m;
}

export function getMethod(type: MethodType): AdapterMethod {
  const m = methods.get(type);
  if (!m) throw new Error(`adapter method ${type} is not available in this build`);
  return m;
}

export const registeredMethods = (): MethodType[] => [...methods.keys()];
export const allMethods = (): AdapterMethod[] => [...methods.values()];

/** A fresh adapter for a parsed `method` block; the block's `type` picks the method. */
export function createFor(
  model: Model,
  config: MethodConfig,
  seed: number,
  opts?: CreateOptions,
): AdapterInstance {
  const parsed = parseMethodConfig(config.type, config);
  return getMethod(parsed.type).create(model, parsed, seed, opts);
}

/**
 * A method's options checked against its schema (the one rule for the config file, the form, saved adapters and
 * resumed runs); a mistake ends as one line naming the field.
 */
export function parseMethodConfig(
  type: string,
  options: Record<string, unknown>,
  opts: { ignoreOtherKeys?: boolean } = {},
): MethodConfig {
  const def = methodDefinition(type);
  if (!def) throw new UserError(`method.type: unknown method "${type}" (known: ${methodTypes().join(', ')})`);
  // A saved adapter's config also records what it was trained for (task, labels): only the options count here.
  const shape = (def.schema as unknown as { shape: Record<string, unknown> }).shape;
  const own = opts.ignoreOtherKeys
    ? Object.fromEntries(Object.entries(options).filter(([k]) => k in shape))
    : options;
  const parsed = def.schema.safeParse({ ...own, type });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${type}.${issue?.path.join('.') || 'config'}: ${issue?.message}`);
  }
  return parsed.data as MethodConfig;
}
