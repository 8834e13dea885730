export { TextTokenizer, loadTokenizer } from './tokenizer.ts';
export { longestFirst } from './truncation.ts';
export type { EncodeOptions, Encoded } from './tokenizer.ts';
export { readTokenizerFiles } from './fallback.ts';
