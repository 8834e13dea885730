export { TextTokenizer, loadTokenizer, longestFirst } from './tokenizer.ts';
export type { EncodeOptions, Encoded } from './tokenizer.ts';
export { readTokenizerFiles } from './fallback.ts';
