/**
 * The inference process (started by inference/client.ts): it owns a TensorFlow.js backend and the loaded base
 * models, so loading a large model or a slow forward pass never blocks main's event loop.
 */
import { describeUserFacing } from '../cli/user-facing.ts';
import { initBackend } from '../engine/backends.ts';
import { ModelCache, predict } from './predict.ts';
import { previewRun } from './preview.ts';
import { evaluateRows } from './score-file.ts';
import type { InferenceReply, InferenceRequest } from './protocol.ts';

const cache = new ModelCache();
const ready = initBackend();

const reply = (msg: InferenceReply) => process.send?.(msg);

// One request at a time: they share the loaded models and tf.js's global engine.
let queue = Promise.resolve();
process.on('message', (raw) => {
  const { id, job } = raw as InferenceRequest;
  queue = queue.then(async () => {
    try {
      await ready;
      reply({
        id,
        result:
          job.type === 'predict'
            ? predict(cache, job.request)
            : job.type === 'evaluate'
              ? evaluateRows(cache, job.request)
              : previewRun(cache, job.config),
      });
    } catch (err) {
      reply({ id, error: describeUserFacing(err) ?? (err instanceof Error ? err.message : String(err)) });
    }
  });
});
// Main went away (closed, crashed): nothing to serve any more.
process.on('disconnect', () => process.exit(0));
