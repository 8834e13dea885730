import { loadModel } from '../models/index.ts';
import type { Model } from '../models/index.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { readAdapterFolder } from './io.ts';

/** The classification labels an adapter folder was trained for (ours records them; PEFT's do not). */
export function adapterLabels(adapterDir: string): string[] | undefined {
  const { config } = readAdapterFolder(adapterDir);
  const labels = config.labels;
  return config.task === 'classification' && Array.isArray(labels) && labels.length > 0
    ? labels.map(String)
    : undefined;
}

/**
 * Loads the base model an adapter goes on. An adapter trained for classification on a base without a
 * classification head (the bundled default masked-LM, say) brings that head, so the base is loaded as a
 * classifier for the adapter's labels, exactly as it was when the adapter was trained.
 */
export function loadBaseForAdapter(modelDir: string, adapterDir?: string): Model {
  const labels = adapterDir ? adapterLabels(adapterDir) : undefined;
  return loadModel(
    resolveModelDir(modelDir),
    labels ? { task: 'sequence-classification', labels } : undefined,
  );
}
