export { DatasetError } from './errors.ts';
export { chunkTokens, loadDataset } from './load.ts';
export { SAMPLES, loadSample } from './samples.ts';
export { splitRows } from './split.ts';
export { datasetStats } from './stats.ts';
export { decodeImage, listImageFolder, toPixelValues } from './images.ts';
export type { DatasetKind, DatasetStats, ImageItem, LoadedDataset, TextRow } from './types.ts';
