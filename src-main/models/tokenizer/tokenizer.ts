/**
 * Text to ids through @huggingface/tokenizers (a maintained port of the Rust library): special tokens, pairs with
 * token type ids, truncation (longest first, keeping the special tokens) and padding.
 */
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../../errors.ts';
import { readTokenizerFiles } from './fallback.ts';
import type { TokenizerFiles } from './fallback.ts';
import { joinPairsInPostProcessor } from './post-processor.ts';
import { encodeFromPrefix, prefixLayout } from './prefix.ts';
import type { Layout } from './prefix.ts';
import { cappedLength, preTokens } from './pretokens.ts';
import { longestFirst } from './truncation.ts';

export interface Encoded {
  ids: number[];
  tokens: string[];
  typeIds: number[];
}

export interface EncodeOptions {
  pair?: string;
  /** Truncate to at most this many ids, special tokens included. */
  maxLength?: number;
}

/** Finds `part` as a contiguous run in `whole` at or after `from`. */
function indexOfRun(whole: readonly number[], part: readonly number[], from: number): number {
  if (part.length === 0) return from;
  outer: for (let i = from; i + part.length <= whole.length; i++) {
    for (let j = 0; j < part.length; j++) if (whole[i + j] !== part[j]) continue outer;
    return i;
  }
  return -1;
}

export class TextTokenizer {
  readonly #tok: Tokenizer;
  readonly kind: TokenizerFiles['kind'];
  readonly padId: number;
  /** Set when truncating encodes may tokenize prefixes of long texts (prefix.ts); null: always the whole texts. */
  readonly #layout: Layout | null;

  constructor(files: TokenizerFiles) {
    const json = joinPairsInPostProcessor(files.json);
    this.#tok = new Tokenizer(json, files.config);
    this.#layout = prefixLayout(this.#tok, json, files.config);
    this.kind = files.kind;
    const padToken = typeof files.config.pad_token === 'string' ? files.config.pad_token : undefined;
    this.padId = (padToken !== undefined ? this.#tok.token_to_id(padToken) : undefined) ?? 0;
  }

  /** Whether truncating encodes of long texts may tokenize prefixes of them (prefix.ts says when that is exact). */
  get readsPrefixes(): boolean {
    return this.#layout !== null;
  }

  /** As transformers' tokenizer(text, text_pair) with add_special_tokens=True. */
  encode(text: string, opts: EncodeOptions = {}): Encoded {
    // A truncated encode of a long text needs only its start: the same ids from a prefix, when provably so.
    if (opts.maxLength !== undefined && this.#layout) {
      const fast = encodeFromPrefix(this.#tok, this.#layout, text, opts.pair, opts.maxLength);
      if (fast) return fast;
    }
    return this.encodeWhole(text, opts);
  }

  /** The same as encode, always tokenizing the whole texts: the reference the prefix path is tested against. */
  encodeWhole(text: string, opts: EncodeOptions = {}): Encoded {
    const full = this.#tok.encode(text, { text_pair: opts.pair ?? null, return_token_type_ids: true });
    const out: Encoded = {
      ids: [...full.ids],
      tokens: [...full.tokens],
      typeIds: [...(full.token_type_ids ?? full.ids.map(() => 0))],
    };
    if (opts.maxLength === undefined || out.ids.length <= opts.maxLength) return out;
    return this.#truncate(text, opts.pair, out, opts.maxLength);
  }

  /** Longest-first truncation of the text parts; the special tokens around them are kept. */
  #truncate(text: string, pair: string | undefined, full: Encoded, max: number): Encoded {
    const a = this.#tok.encode(text, { add_special_tokens: false });
    const b = pair === undefined ? null : this.#tok.encode(pair, { add_special_tokens: false });
    const at = indexOfRun(full.ids, a.ids, 0);
    const bt = b ? indexOfRun(full.ids, b.ids, at + a.ids.length) : -1;
    if (at < 0 || (b && bt < 0)) {
      return {
        ids: full.ids.slice(0, max),
        tokens: full.tokens.slice(0, max),
        typeIds: full.typeIds.slice(0, max),
      };
    }
    const special = full.ids.length - a.ids.length - (b ? b.ids.length : 0);
    if (special >= max)
      throw new UserError(`maxLength ${max} is too short: the special tokens alone take ${special}`);
    const [keepA, keepB] = b
      ? longestFirst(...this.#pairLengths(text, a.tokens, b.tokens, pair as string, max), max - special)
      : [max - special, 0];
    const pieces: [number, number][] = b
      ? [
          [0, at],
          [at, at + keepA],
          [at + a.ids.length, bt],
          [bt, bt + keepB],
          [bt + (b?.ids.length ?? 0), full.ids.length],
        ]
      : [
          [0, at],
          [at, at + keepA],
          [at + a.ids.length, full.ids.length],
        ];
    const take = <T>(xs: readonly T[]) => pieces.flatMap(([s, e]) => xs.slice(s, e));
    return { ids: take(full.ids), tokens: take(full.tokens), typeIds: take(full.typeIds) };
  }

  /**
   * The lengths longest_first compares for a pair truncated to `max` ids: each text as far as the library tokenizes
   * it under that limit (whole words up to `max` tokens, see pretokens.ts). Where our mirror of its steps does not
   * reproduce a text's tokens, that text's full length is used (the rule of tokenizers before 0.23).
   */
  #pairLengths(
    text: string,
    tokensA: readonly string[],
    tokensB: readonly string[],
    pair: string,
    max: number,
  ): [number, number] {
    const length = (t: string, tokens: readonly string[]) => {
      const pre = preTokens(this.#tok, t, tokens);
      return pre ? cappedLength(pre, max) : tokens.length;
    };
    return [length(text, tokensA), length(pair, tokensB)];
  }

  /** A padded batch: ids, attention mask and type ids as flat row-major arrays of [rows, length]. */
  encodeBatch(
    texts: readonly string[],
    opts: { pairs?: readonly string[]; maxLength: number; padTo?: 'longest' | 'max' },
  ): { length: number; ids: Int32Array; mask: Int32Array; typeIds: Int32Array } {
    const enc = texts.map((t, i) => this.encode(t, { pair: opts.pairs?.[i], maxLength: opts.maxLength }));
    const length = opts.padTo === 'max' ? opts.maxLength : Math.max(1, ...enc.map((e) => e.ids.length));
    const ids = new Int32Array(texts.length * length).fill(this.padId);
    const mask = new Int32Array(texts.length * length);
    const typeIds = new Int32Array(texts.length * length);
    enc.forEach((e, r) => {
      ids.set(e.ids, r * length);
      mask.fill(1, r * length, r * length + e.ids.length);
      typeIds.set(e.typeIds, r * length);
    });
    return { length, ids, mask, typeIds };
  }

  decode(ids: readonly number[]): string {
    return this.#tok.decode([...ids], { skip_special_tokens: true });
  }
}

/** The tokenizer of a model folder, or a clear error when it has none. */
export function loadTokenizer(dir: string): TextTokenizer {
  const files = readTokenizerFiles(dir);
  if (!files)
    throw new UserError(`${dir}: no tokenizer.json, vocab.txt or vocab.json + merges.txt in this folder`);
  try {
    return new TextTokenizer(files);
  } catch (err) {
    // The library's own message is a multi-line parse trace of the file's structure; one line names the file.
    const file =
      files.kind === 'tokenizer.json'
        ? 'tokenizer.json'
        : files.kind === 'wordpiece'
          ? 'vocab.txt'
          : 'vocab.json';
    const why = err instanceof Error ? err.message.split('\n')[0]?.slice(0, 120) : '';
    throw new UserError(
      `${path.join(dir, file)}: not a tokenizer this studio can read${why ? ` (${why})` : ''}`,
    );
  }
}
