import { initBackend } from '../../src-main/engine/backends.ts';

/** Tests run on the backend users get here: wasm (the CPU path), unless STUDIO_TEST_BACKEND says otherwise. */
export async function useTestBackend(): Promise<void> {
  await initBackend(process.env.STUDIO_TEST_BACKEND ?? 'wasm');
}
