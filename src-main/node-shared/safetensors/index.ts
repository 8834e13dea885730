export { SafetensorsError } from './errors.ts';
export { parseSafetensors, readSafetensors, readSafetensorsHeader } from './read.ts';
export { readModelWeightShapes, readModelWeights } from './sharded.ts';
export type { RawTensor, SafetensorsDtype, SafetensorsFile, SafetensorsHeader } from './types.ts';
export { encodeSafetensors, writeSafetensors } from './write.ts';
export type { WriteOptions } from './write.ts';
