import type { MethodType } from '../../../src-shared/train-config.ts';
import type { AdapterMethod } from './types.ts';

const methods = new Map<MethodType, AdapterMethod<never>>();

/** Adding a method = a folder whose index.ts calls this, plus one row in the test matrix. */
export function registerMethod<C>(m: AdapterMethod<C>): AdapterMethod<C> {
  methods.set(m.type, m as AdapterMethod<never>);
  return m;
}

export function getMethod<C>(type: MethodType): AdapterMethod<C> {
  const m = methods.get(type);
  if (!m) throw new Error(`adapter method ${type} is not available in this build`);
  return m as unknown as AdapterMethod<C>;
}

export const registeredMethods = (): MethodType[] => [...methods.keys()];
