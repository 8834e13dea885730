/**
 * The Rust library's ByteLevel post-processor only trims offsets: a pair comes out as the first text's tokens
 * followed by the second's (type ids 0, then 1). The JavaScript port's ByteLevel post-processor hands the pair back
 * unjoined, and its tokenizer then keeps only the first text, so a GPT-2 style tokenizer.json (post_processor
 * ByteLevel, alone or as the last step of a Sequence) would silently drop the second text of every pair. We give
 * the port the equivalent template instead. Offsets, the one thing ByteLevel changes, are not used here.
 */

type Json = Record<string, unknown>;

/** Text A with type id 0, then (for a pair) text B with type id 1, and no special tokens. */
export const CONCAT_TEMPLATE: Json = {
  type: 'TemplateProcessing',
  single: [{ Sequence: { id: 'A', type_id: 0 } }],
  pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
  special_tokens: {},
};

const isByteLevel = (p: unknown) => (p as Json | null)?.type === 'ByteLevel';

/** `json` with its ByteLevel post-processing replaced by the equivalent that joins pairs (unchanged otherwise). */
export function joinPairsInPostProcessor(json: Json): Json {
  const post = json.post_processor as Json | null | undefined;
  if (isByteLevel(post)) return { ...json, post_processor: CONCAT_TEMPLATE };
  if (post?.type !== 'Sequence' || !Array.isArray(post.processors) || !post.processors.some(isByteLevel)) {
    return json;
  }
  const rest = (post.processors as unknown[]).filter((p) => !isByteLevel(p));
  return { ...json, post_processor: rest.length ? { ...post, processors: rest } : CONCAT_TEMPLATE };
}
