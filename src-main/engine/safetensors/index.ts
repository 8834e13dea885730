// The safetensors reader and writer are plain Node (no tf.js), so main may use them too: they live in
// node-shared/. This path stays for the engine's existing imports.
export * from '../../node-shared/safetensors/index.ts';
