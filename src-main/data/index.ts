/** The dataset layer: pure Node (no tf, no DB). Import from here. */
export { DatasetError } from './errors.ts';
export { loadDataset, loadOptionsSchema } from './load.ts';
export type { LoadOptions } from './load.ts';
export { previewDataset } from './preview.ts';
export type { DatasetPreview } from './preview.ts';
export { guessColumns, mapRows, readTable, resolveColumns, tableFormatOf } from './columns.ts';
export type { TableFormat } from './columns.ts';
export type { Table, TableRecord } from './table.ts';
export { detectKind, discoverLabels, isNumericLabel, labelMaps } from './labels.ts';
export { SAMPLES, SAMPLE_NAMES, listSamples, loadSample } from './samples.ts';
export type { SampleInfo, SampleName, SampleSummary } from './samples.ts';
export { splitItems, splitRows, subsetRows } from './split.ts';
export type { SplitOptions, SplitResult } from './split.ts';
export { corpusStats, datasetStats, imageStats, lengthStats, whitespaceTokens } from './stats.ts';
export { combineHashes, hashFiles, sha256 } from './hash.ts';
export { chunkText, chunkTokens, readTextCorpus, splitText } from './text.ts';
export type { ChunkOptions } from './text.ts';
export {
  IMAGE_EXTENSIONS,
  decodeImage,
  decodeImageBytes,
  listImageFolder,
  loadImage,
  resizeBilinear,
  toNchwBatch,
  toPixelValues,
} from './images.ts';
export type { DecodedImage, NchwBatch, Normalisation, RgbImage } from './images.ts';
export { Rng, mixSeed, permutation } from './rng.ts';
export type { RngState } from './rng.ts';
export { decodeUtf8, readUtf8 } from './decode.ts';
export type {
  ColumnMap,
  DatasetKind,
  DatasetStats,
  ImageDataset,
  ImageItem,
  LengthStats,
  LmDataset,
  LoadedDataset,
  SplitInfo,
  TextDataset,
  TextRow,
  Tokenize,
} from './types.ts';
