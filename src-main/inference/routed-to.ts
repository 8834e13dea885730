/**
 * What the playground shows under a router's answer: the adapters it used for the one input and their weights,
 * and for a `layers` router its gate weights per layer (the heat table), each adapter by its library name.
 */
import type { PredictionColumn } from '../../src-shared/library.ts';
import type { RouterAdapter } from '../adapters/router/index.ts';
import type { Model, ModelInputs } from '../models/index.ts';

export async function routedTo(
  router: RouterAdapter,
  model: Model,
  inputs: ModelInputs,
): Promise<Pick<PredictionColumn, 'routing' | 'layers'>> {
  const name = (i: number) => router.recipe[i]?.name ?? `adapter ${i + 1}`;
  const [row] = await router.routing(model, inputs);
  const routing = (row ?? []).map((r) => ({ adapter: name(r.source), weight: r.weight }));
  if (router.mode !== 'layers') return { routing };
  const [weights] = await router.layerWeights(model, inputs);
  const slots = (weights ?? []).map((_, l, all) => (l === all.length - 1 ? 'answer' : `layer ${l}`));
  return {
    routing,
    layers: { adapters: router.recipe.map((_, i) => name(i)), slots, weights: weights ?? [] },
  };
}
