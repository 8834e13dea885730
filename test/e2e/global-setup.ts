import { ensureRendererBuilt } from '../../src-main/app/renderer-bundle.ts';

/** Builds the renderer once for all e2e files (the servers they start would otherwise race to build it). */
export default async function setup(): Promise<void> {
  await ensureRendererBuilt((l) => console.log(l));
}
