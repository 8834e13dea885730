/** Settings the user changes on the Settings page; they apply to runs started afterwards. */
export interface TrainingSettings {
  /** wasm threads for training processes (null: the engine's default, see src-main/engine/wasm-threads.ts). */
  threads: number | null;
  /** A backend forced for training processes (null: the first that works). */
  backend: string | null;
  /** Logical cores of this machine, for choosing threads. */
  cores: number;
}
