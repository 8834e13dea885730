export { SafetensorsError } from './errors.ts';
export { parseSafetensors, readSafetensors } from './read.ts';
export { readModelWeights } from './sharded.ts';
export type { RawTensor, SafetensorsDtype, SafetensorsFile } from './types.ts';
export { encodeSafetensors, writeSafetensors } from './write.ts';
