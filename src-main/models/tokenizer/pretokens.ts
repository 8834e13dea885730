/**
 * The lengths that the Rust tokenizers library (0.23 and later, used by transformers 5) feeds to its pair truncation.
 * With truncation on, it tokenizes each text of a pair only until it holds `max_length` tokens (the whole
 * max_length, special tokens not subtracted), stopping at the end of the pre-token (word) that reaches it
 * (`PreTokenizedString::tokenize_with_limit`). longest_first then compares these capped lengths, not the full ones,
 * so which text gets the odd token of an odd budget depends on where the word boundaries fall.
 */
import type { Tokenizer } from '@huggingface/tokenizers';

/** One pre-token's tokens; `model` is false for an added token, which the library found before the model ran. */
export interface PreToken {
  tokens: string[];
  model: boolean;
}

/** Splits `text` around the longest matches of `words`, leftmost first, as the library's added-token splitter. */
function splitAround(text: string, words: ReadonlySet<string>, longest: number): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    let match = '';
    for (let n = Math.min(longest, text.length - i); n > 0; n--) {
      const w = text.slice(i, i + n);
      if (words.has(w)) {
        match = w;
        break;
      }
    }
    if (!match) {
      i++;
      continue;
    }
    if (i > start) out.push(text.slice(start, i));
    out.push(match);
    i += match.length;
    start = i;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/**
 * The pre-tokens of `text` with their tokens, through the tokenizer's own normalizer, pre-tokenizer and model (the
 * same steps as its encode, kept per pre-token). Null when the steps do not give back `expected` (options this
 * mirror does not cover), so the caller can fall back to the full lengths.
 */
export function preTokens(tok: Tokenizer, text: string, expected: readonly string[]): PreToken[] | null {
  const added = [...tok.get_added_tokens_decoder().values()];
  const byContent = new Map(added.map((t) => [t.content, t]));
  const raw = new Set<string>();
  const normalized = new Set<string>();
  for (const t of added) {
    if (t.normalized && tok.normalizer) {
      const n = tok.normalizer(t.content);
      normalized.add(n);
      byContent.set(n, t);
    } else raw.add(t.content);
  }
  const longest = Math.max(0, ...[...raw, ...normalized].map((w) => w.length));
  /** Trims the neighbours of added tokens that strip spaces on their left or right. */
  const strip = (parts: string[]) => {
    parts.forEach((p, i) => {
      const t = byContent.get(p);
      if (t?.lstrip && i > 0) parts[i - 1] = (parts[i - 1] as string).trimEnd();
      if (t?.rstrip && i < parts.length - 1) parts[i + 1] = (parts[i + 1] as string).trimStart();
    });
    return parts;
  };
  const out: PreToken[] = [];
  strip(splitAround(text, raw, longest)).forEach((section, sectionIndex) => {
    if (!section) return;
    if (byContent.has(section)) {
      out.push({ tokens: [section], model: false });
      return;
    }
    const norm = tok.normalizer ? tok.normalizer(section) : section;
    for (const sub of strip(splitAround(norm, normalized, longest))) {
      if (!sub) continue;
      if (byContent.has(sub)) {
        out.push({ tokens: [sub], model: false });
        continue;
      }
      const words = tok.pre_tokenizer ? tok.pre_tokenizer(sub, { section_index: sectionIndex }) : [sub];
      for (const w of words) if (tok.model) out.push({ tokens: tok.model([w]), model: true });
    }
  });
  const flat = out.flatMap((p) => p.tokens);
  const same = flat.length === expected.length && flat.every((t, i) => t === expected[i]);
  return same ? out : null;
}

/**
 * How many tokens the library holds for a text after tokenizing it with a limit of `max` tokens: whole pre-tokens,
 * stopping after the first model-made one that brings the count to `max` or more (added tokens count but never stop
 * it, as in `tokenize_with_limit`, right direction).
 */
export function cappedLength(pre: readonly PreToken[], max: number): number {
  let total = 0;
  for (const p of pre) {
    total += p.tokens.length;
    if (p.model && total >= max) break;
  }
  return total;
}
