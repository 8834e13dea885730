/**
 * Truncating encodes of long texts from a prefix of each text. A long e-mail truncated to 32 ids needs its first 30
 * word pieces, yet the whole-text path tokenizes all of it (twice, and a third time for a pair's capped lengths).
 * Here we tokenize a prefix cut at whitespace, check that the ids we keep provably cannot depend on what was cut
 * off, and grow the prefix (then fall back to the whole text) when they might.
 *
 * Why a cut is exact. The library's encode (@huggingface/tokenizers 0.2, Tokenizer.encode_text) runs: split around
 * added tokens (leftmost longest), normalizer per section, split around normalized added tokens, pre-tokenizer per
 * piece, model per pre-token, post-processor. We cut text T at c where T[c] is ASCII whitespace and call P = T[0:c].
 * For the configurations `prefixLayout` admits, every pre-token of P except its last is the pre-token of T at the
 * same place, and the model turns each pre-token into tokens on its own, so the tokens of all but P's last
 * pre-token are the first tokens of T:
 * - Added-token split: no added token contains whitespace, so no match crosses c and the trie walk stops at c in
 *   both texts. lstrip on a token after c in T only trims whitespace that ends P's last section.
 * - Normalizers: BertNormalizer cleans (whitespace to ' ', control characters dropped) and spaces CJK characters
 *   one character at a time; NFD (accent stripping) never reorders across a starter such as a space; lowercasing is
 *   per character except the final sigma, whose look-ahead stops at the first character that is neither cased nor
 *   case-ignorable, and whitespace and the end of the text both stop it without a cased letter. Lowercase alike.
 *   So normalize(P) is normalize(T) up to a whitespace character.
 * - BertPreTokenizer: runs of non-space non-punctuation and single punctuation marks; a run that reaches c ends
 *   there in T too (T[c] is whitespace), so all of P's pre-tokens are T's, its last included (Layout.lastExact).
 * - ByteLevel (GPT-2 regex): the letter, number and symbol alternatives stop at whitespace as they do at the end of
 *   the text, and `(?!\S)` holds at both; only a whitespace run reaching c can differ (in T it may leave its last
 *   space to the next word: " word"), and in P that run is the last pre-token.
 * - WordPiece and BPE map one pre-token at a time (max_input_chars_per_word applies to the whole word, which P holds
 *   whole); fuse_unk, which joins unknowns across pre-tokens, is not admitted.
 * - TemplateProcessing adds the same special tokens whatever the texts, so only the texts' tokens move.
 * The whole-text path finds the texts in its output with indexOfRun; it finds them where the template put them
 * unless a text's first id is one of the special ids before it, which we check (and fall back).
 */
import type { Tokenizer } from '@huggingface/tokenizers';
import type { Encoded } from './tokenizer.ts';
import { cappedLength, preTokens } from './pretokens.ts';
import type { PreToken } from './pretokens.ts';
import { longestFirst } from './truncation.ts';

type Json = Record<string, unknown>;

/** Special tokens a template puts around the texts: before A and after it; for pairs, before A, between, after B. */
export interface Layout {
  single: [number, number];
  pair: [number, number, number];
  /**
   * Every pre-token of a whitespace-cut prefix is the whole text's, its last included (BertPreTokenizer: whitespace
   * makes no pre-token), so no ids are held back and a single text needs no second pass for its pre-tokens.
   */
  lastExact: boolean;
}

/** How many special tokens stand before, between and after the texts `order` of a TemplateProcessing template. */
function specialRuns(items: unknown, order: string): number[] | null {
  if (!Array.isArray(items)) return null;
  const runs = [0];
  let seen = '';
  for (const item of items as unknown[]) {
    const it = item as Json | null;
    if (it && typeof it === 'object' && 'SpecialToken' in it) runs[runs.length - 1] = (runs.at(-1) ?? 0) + 1;
    else if (it && typeof it === 'object' && 'Sequence' in it) {
      seen += String((it.Sequence as Json | null)?.id);
      runs.push(0);
    } else return null;
  }
  return seen === order ? runs : null;
}

const typeOf = (part: unknown) => (part as Json | null | undefined)?.type;

/**
 * The template's layout when the tokenizer is one whose prefixes are exact (the reasoning at the top of this file),
 * else null: other normalizers, pre-tokenizers and post-processors always take the whole-text path.
 */
export function prefixLayout(tok: Tokenizer, json: Json, config: Json): Layout | null {
  const normalizer = typeOf(json.normalizer);
  if (normalizer !== undefined && normalizer !== 'BertNormalizer' && normalizer !== 'Lowercase') return null;
  const pre = json.pre_tokenizer as Json | null | undefined;
  const byteLevel = pre?.type === 'ByteLevel' && pre.use_regex !== false;
  if (!byteLevel && pre?.type !== 'BertPreTokenizer') return null;
  const model = json.model as Json | null | undefined;
  if ((model?.type !== 'WordPiece' && model?.type !== 'BPE') || model.fuse_unk === true) return null;
  // Options of the library's encode that rewrite a whole section (whitespace collapsing, accent removal).
  if (config.remove_space === true || config.do_lowercase_and_remove_accent === true) return null;
  for (const t of tok.get_added_tokens_decoder().values()) {
    const forms = [t.content, ...(t.normalized && tok.normalizer ? [tok.normalizer(t.content)] : [])];
    if (forms.some((f) => /\s/u.test(f))) return null;
  }
  const post = json.post_processor as Json | null | undefined;
  if (post?.type !== 'TemplateProcessing') return null;
  const single = specialRuns(post.single, 'A');
  const pair = specialRuns(post.pair, 'AB');
  if (!single || !pair) return null;
  return {
    single: single as [number, number],
    pair: pair as [number, number, number],
    lastExact: !byteLevel,
  };
}

/** The first index at or after `from` holding ASCII whitespace (the cut points the reasoning above covers). */
export function whitespaceAt(text: string, from: number): number | null {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) return i;
  }
  return null;
}

/** A text as tokenized here: whole, or a prefix whose last pre-token may differ from the whole text's. */
export interface Part {
  text: string;
  cut: boolean;
}

/** The pre-tokens that the rest of the text cannot change: all but the last one of a cut prefix, unless lastExact. */
function stable(pre: readonly PreToken[], cut: boolean, lastExact: boolean): readonly PreToken[] {
  return cut && !lastExact ? pre.slice(0, -1) : pre;
}

const count = (pre: readonly PreToken[]) => pre.reduce((n, p) => n + p.tokens.length, 0);

/**
 * The capped length (pretokens.ts) of the whole text, when the stable pre-tokens already decide it: the count stops
 * at one of them. Null when it would need pre-tokens the prefix does not have.
 */
function stableCap(pre: readonly PreToken[], cut: boolean, lastExact: boolean, max: number): number | null {
  if (!cut) return cappedLength(pre, max);
  let total = 0;
  for (const p of stable(pre, cut, lastExact)) {
    total += p.tokens.length;
    if (p.model && total >= max) return total;
  }
  return null;
}

export type Attempt = Encoded | 'grow' | null;

/**
 * One try with the given prefixes: the truncated encoding, 'grow' when a prefix is too short, null to give up.
 * With no text cut it is the whole-text encoding, made with one pass over a single text instead of two. A cut
 * prefix must end just before ASCII whitespace of the whole text (`whitespaceAt`); tests try every such cut.
 */
export function attempt(tok: Tokenizer, layout: Layout, a: Part, b: Part | null, max: number): Attempt {
  const full = tok.encode(a.text, { text_pair: b?.text ?? null, return_token_type_ids: true });
  const typeIds = full.token_type_ids ?? full.ids.map(() => 0);
  if (!a.cut && !b?.cut && full.ids.length <= max) return { ids: full.ids, tokens: full.tokens, typeIds };
  const [s0, s1, s2] = b ? layout.pair : [...layout.single, 0];
  const special = s0 + s1 + s2;
  // The whole-text path says why such a maxLength cannot work.
  if (special >= max) return null;
  const aTokens = b
    ? tok.encode(a.text, { add_special_tokens: false }).tokens
    : full.tokens.slice(s0, full.tokens.length - s1);
  const lenA = aTokens.length;
  const bStart = s0 + lenA + s1;
  const lenB = full.ids.length - special - lenA;
  // Where indexOfRun could find a text earlier than the template put it (a text that starts with a special token).
  if (lenA === 0 || full.ids.slice(0, s0).includes(full.ids[s0] as number)) return null;
  if (b && (lenB === 0 || full.ids.slice(s0 + lenA, bStart).includes(full.ids[bStart] as number)))
    return null;

  let keepA: number;
  let keepB = 0;
  if (!b) {
    keepA = max - special;
    if (a.cut && layout.lastExact) {
      if (lenA <= keepA) return 'grow';
    } else if (a.cut) {
      const preA = preTokens(tok, a.text, aTokens);
      if (!preA) return null;
      if (count(stable(preA, true, false)) <= keepA) return 'grow';
    }
  } else {
    const preA = preTokens(tok, a.text, aTokens);
    const preB = preTokens(tok, b.text, full.tokens.slice(bStart, bStart + lenB));
    // Whole texts the mirror cannot follow are compared at full length by the whole-text path; leave them to it.
    if (!preA || !preB) return null;
    const capA = stableCap(preA, a.cut, layout.lastExact, max);
    const capB = stableCap(preB, b.cut, layout.lastExact, max);
    if (capA === null || capB === null) return 'grow';
    [keepA, keepB] = longestFirst(capA, capB, max - special);
  }
  const pieces: [number, number][] = b
    ? [
        [0, s0 + keepA],
        [s0 + lenA, bStart + keepB],
        [bStart + lenB, full.ids.length],
      ]
    : [
        [0, s0 + keepA],
        [s0 + lenA, full.ids.length],
      ];
  const take = <T>(xs: readonly T[]) => pieces.flatMap(([s, e]) => xs.slice(s, e));
  return { ids: take(full.ids), tokens: take(full.tokens), typeIds: take(typeIds) };
}

/**
 * Where to cut `text` to keep at least `from` characters, or null to take it whole. A prefix whose pre-tokens are
 * needed costs two passes (its encoding, then its pre-tokens) against the whole text's one, so only a cut in the
 * first half saves time; with `onePass` (a single text, lastExact) any cut does.
 */
export function cutPoint(text: string, from: number, onePass: boolean): number | null {
  const at = whitespaceAt(text, from);
  return at !== null && (onePass || at <= text.length / 2) ? at : null;
}

/**
 * Characters first tried per id kept: English runs about four per word piece, so most texts need one try (on
 * spam-assassin at maxLength 32, 4 made 7% of BERT's encodes try twice, 8 none).
 */
export const FIRST_CHARS_PER_ID = 6;

/**
 * The encoding of `text` (and `pair`) truncated to `max` ids, from prefixes that provably give the same ids as the
 * whole texts (the whole texts themselves where no prefix would save time); null for the cases left to the
 * whole-text path (a text that starts with a special token, an empty pair, a maxLength the special tokens fill).
 */
export function encodeFromPrefix(
  tok: Tokenizer,
  layout: Layout,
  text: string,
  pair: string | undefined,
  max: number,
): Encoded | null {
  // The library encodes an empty pair as no pair at all (a single-text template): the whole-text path handles it.
  if (pair === '') return null;
  const onePass = layout.lastExact && pair === undefined;
  for (let from = FIRST_CHARS_PER_ID * max; ; from *= 2) {
    const cutA = cutPoint(text, from, onePass);
    const cutB = pair === undefined ? null : cutPoint(pair, from, false);
    const a = { text: cutA === null ? text : text.slice(0, cutA), cut: cutA !== null };
    const b =
      pair === undefined ? null : { text: cutB === null ? pair : pair.slice(0, cutB), cut: cutB !== null };
    const got = attempt(tok, layout, a, b, max);
    // With nothing cut the try cannot ask for more, so the loop ends by the time the prefixes are the texts.
    if (got !== 'grow') return got;
  }
}
