import type { BuildOptions } from 'esbuild';

export const common: BuildOptions & { external: string[] };
export const MAIN_ENTRY: string;
