/** Plain-text corpora for causal language modelling: the raw text, a line-boundary split, a token chunker. */
import { readUtf8 } from './decode.ts';
import { DatasetError } from './errors.ts';
import type { Tokenize } from './types.ts';

/** Reads a `.txt` corpus as strict UTF-8 (line endings normalised to `\n`); blank files are an error. */
export function readTextCorpus(file: string): { text: string; bytes: Buffer } {
  const { text, bytes } = readUtf8(file);
  if (!text.trim()) throw new DatasetError(file, 'has no text, only blank lines');
  return { text: text.replace(/\r\n?/g, '\n'), bytes };
}

/**
 * Splits a corpus into contiguous train / validation / test parts at line boundaries: validation and test are
 * taken from the end, in that order. Contiguous rather than shuffled so that overlapping context cannot leak
 * from training into evaluation; it therefore does not depend on a seed.
 */
export function splitText(
  text: string,
  validationFraction: number,
  testFraction = 0,
): { train: string; validation: string; test: string } {
  const cut = (fraction: number): number => {
    if (fraction <= 0) return text.length;
    const target = Math.floor(text.length * (1 - fraction));
    // From target - 1, so that a target already at a line start is kept.
    const nl = text.indexOf('\n', Math.max(0, target - 1));
    return nl < 0 ? target : nl + 1;
  };
  const testStart = cut(testFraction);
  const valStart = Math.min(testStart, cut(validationFraction + testFraction));
  return {
    train: text.slice(0, valStart),
    validation: text.slice(valStart, testStart),
    test: text.slice(testStart),
  };
}

/** Options for `chunkTokens` / `chunkText`. */
export interface ChunkOptions {
  /** Step between window starts; defaults to the context length (no overlap). */
  stride?: number;
  /** Windows shorter than this are dropped (a causal LM needs at least 2 tokens for one target). */
  minLength?: number;
}

/** Cuts token ids into windows of at most `contextLength` (the last may be shorter). */
export function chunkTokens(
  ids: readonly number[],
  contextLength: number,
  opts: ChunkOptions = {},
): number[][] {
  if (!Number.isInteger(contextLength) || contextLength < 2) {
    throw new RangeError(`contextLength must be an integer >= 2, got ${contextLength}`);
  }
  const stride = opts.stride ?? contextLength;
  if (!Number.isInteger(stride) || stride < 1 || stride > contextLength) {
    throw new RangeError(`stride must be an integer in 1..${contextLength}, got ${stride}`);
  }
  const minLength = opts.minLength ?? 2;
  const chunks: number[][] = [];
  for (let i = 0; i < ids.length; i += stride) {
    const chunk = ids.slice(i, i + contextLength);
    if (chunk.length >= minLength) chunks.push(chunk);
    if (i + contextLength >= ids.length) break;
  }
  return chunks;
}

/** Tokenizes a text with the model's tokenizer and cuts it into training windows (see `chunkTokens`). */
export function chunkText(
  text: string,
  tokenize: Tokenize,
  contextLength: number,
  opts: ChunkOptions = {},
): number[][] {
  return chunkTokens(tokenize(text), contextLength, opts);
}
