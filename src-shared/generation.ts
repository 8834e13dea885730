/**
 * Text generation with causal-LM bases (GPT-2, Llama) and their adapters: the options, a request of the
 * generation playground (the base and each chosen adapter side by side), the streamed tokens and the result.
 */

/**
 * Whether a config's `architectures[0]` is a causal language model (GPT2LMHeadModel, LlamaForCausalLM): the one
 * rule the config parsers (task "causal-lm") and the model list (which bases can generate) share.
 */
export const isCausalLmArchitecture = (architecture: string): boolean =>
  architecture.endsWith('ForCausalLM') || architecture.endsWith('LMHeadModel');

/** How the next token is chosen and when generation stops. */
export interface SamplingOptions {
  /** New tokens at most (the prompt not counted). */
  maxNewTokens: number;
  /** 0: greedy (the most probable token, as transformers' do_sample=False). Otherwise logits are divided by it. */
  temperature: number;
  /** Keep only the k most probable tokens before sampling (0: all). */
  topK: number;
  /** Keep the smallest set of most probable tokens whose probability reaches p (1: all). */
  topP: number;
  /** Seeds the sampler (the project's one RNG): the same seed and options give the same tokens. */
  seed: number;
  /** Generation stops as soon as the text generated contains one of these; the text ends before it. */
  stop: string[];
  /** Keep each position's keys and values (true, the default) or re-run the whole sequence every step. */
  useCache: boolean;
  /** Stop at the model's end-of-sequence token (config's eos_token_id), as transformers' generate does. */
  stopAtEos: boolean;
}

export const DEFAULT_SAMPLING: SamplingOptions = {
  maxNewTokens: 32,
  temperature: 0,
  topK: 0,
  topP: 1,
  seed: 0,
  stop: [],
  useCache: true,
  stopAtEos: true,
};

export interface GenerateRequest {
  /** A model folder or "default". */
  model: string;
  /** The adapters to generate with, each beside the base (the base column comes first unless `skipBase`). */
  adapters: { key: string; title: string; dir: string }[];
  prompt: string;
  options: SamplingOptions;
  /** Only the adapters' columns (the CLI with --adapter). */
  skipBase?: boolean;
}

/** Why a column stopped generating. */
export type FinishReason = 'length' | 'eos' | 'stop' | 'positions';

export interface GenerationColumn {
  /** "base" or the adapter's key. */
  key: string;
  title: string;
  /** The generated text (the prompt not included), cut before a stop sequence. */
  text: string;
  promptIds: number[];
  /** The ids generated, the stop sequence's tokens included where one stopped it. */
  ids: number[];
  finish: FinishReason;
  /** Prefill (the prompt's forward pass) and the whole generation, milliseconds. */
  prefillMs: number;
  totalMs: number;
  /** New tokens per second after prefill (the decode rate); null with one token or fewer. */
  tokensPerSecond: number | null;
  /** Set when this column could not generate (a broken adapter folder); the others still ran. */
  error: string | null;
}

export interface GenerationResult {
  model: string;
  columns: GenerationColumn[];
}

/** One streamed piece: a column's text so far grew by `delta` (token `id`). */
export interface GenerationToken {
  /** The request this belongs to (the playground's own id). */
  requestId: string;
  column: string;
  id: number;
  delta: string;
}
