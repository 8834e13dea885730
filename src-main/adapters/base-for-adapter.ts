import { loadModel } from '../models/index.ts';
import type { Model } from '../models/index.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { adapterIsVideo, adapterLabels } from '../node-shared/adapter-folder.ts';

// Read from the adapter's small JSON file: main lists adapters with it without loading any weights.
export { adapterLabels };

/**
 * Loads the base model an adapter goes on. An adapter trained for classification on a base without a
 * classification head (the bundled default masked-LM, say) brings that head, so the base is loaded as a
 * classifier for the adapter's labels, exactly as it was when the adapter was trained.
 */
export function loadBaseForAdapter(modelDir: string, adapterDir?: string): Model {
  const labels = adapterDir ? adapterLabels(adapterDir) : undefined;
  return loadModel(
    resolveModelDir(modelDir),
    labels
      ? {
          task: 'sequence-classification',
          labels,
          ...(adapterIsVideo(adapterDir ?? '') ? { video: true } : {}),
        }
      : undefined,
  );
}
