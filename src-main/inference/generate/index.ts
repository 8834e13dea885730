/**
 * The generation playground's work, in the engine process (and the CLI's own process): the prompt through the
 * base's tokenizer, then the base and each adapter generating in turn on the one loaded base, each column's text
 * streamed as it grows and cut at a stop sequence.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GenerateRequest, GenerationColumn, GenerationResult } from '../../../src-shared/generation.ts';
import { loadAdapter } from '../../adapters/io.ts';
import { UserError } from '../../errors.ts';
import type { ForwardHooks } from '../../models/base/hooks.ts';
import { resolveModelDir } from '../../models/default-model.ts';
import type { ModelCache } from '../predict.ts';
import { decode } from './decode.ts';
import type { DecodeLimits } from './decode.ts';
import { StopText } from './stop-text.ts';

/** A streamed piece of one column's text. */
export type OnPiece = (piece: { column: string; id: number; delta: string }) => void | Promise<void>;

const readJson = (file: string): Record<string, unknown> => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

const ids = (v: unknown): number[] =>
  typeof v === 'number' ? [v] : Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];

/**
 * End-of-sequence ids (generation_config.json first, as transformers' generate reads it, then config.json) and
 * the trained positions (GPT-2's n_positions, Llama's max_position_embeddings).
 */
export function decodeLimits(modelDir: string): DecodeLimits {
  const config = readJson(path.join(modelDir, 'config.json'));
  const gen = readJson(path.join(modelDir, 'generation_config.json'));
  const eos = ids(gen.eos_token_id);
  const max = config.n_positions ?? config.max_position_embeddings;
  return {
    eosIds: eos.length > 0 ? eos : ids(config.eos_token_id),
    maxPositions: typeof max === 'number' ? max : Number.MAX_SAFE_INTEGER,
  };
}

/**
 * `signal` stops the generation between two tokens (the serving API's client went away): it throws the signal's
 * reason, and the decode loop's cache and the adapter's tensors are freed on the way out.
 */
export async function generate(
  cache: ModelCache,
  req: GenerateRequest,
  onPiece: OnPiece = () => {},
  signal?: AbortSignal,
): Promise<GenerationResult> {
  const { entry } = cache.get(req.model, undefined);
  const { model, tok } = entry;
  if (model.config.task !== 'causal-lm')
    throw new UserError(
      `generation needs a causal language model (GPT-2, Llama); this is a ${model.config.task} model`,
    );
  if (!tok) throw new UserError('this model has no tokenizer');
  if (!req.prompt) throw new UserError('type a prompt to generate from');
  const promptIds = tok.encode(req.prompt).ids;
  if (promptIds.length === 0) throw new UserError('the prompt has no tokens');
  const limits = decodeLimits(resolveModelDir(req.model));
  const columns: GenerationColumn[] = [];

  const run = async (key: string, title: string, hooks: ForwardHooks): Promise<GenerationColumn> => {
    const text = new StopText((g) => tok.decode(g), req.options.stop);
    const out = await decode(model, hooks, promptIds, req.options, limits, async (id, generated) => {
      // Every token is told (a piece may be empty while a character or a possible stop sequence is held back).
      await onPiece({ column: key, id, delta: text.update(generated) });
      signal?.throwIfAborted();
      return text.stopped;
    });
    // The eos token is not passed to onToken: its text (none, as a special token) needs no update.
    const rest = text.flush();
    if (rest) await onPiece({ column: key, id: -1, delta: rest });
    const decodeMs = out.totalMs - out.prefillMs;
    return {
      key,
      title,
      text: text.text,
      promptIds,
      ids: out.ids,
      finish: out.finish,
      prefillMs: out.prefillMs,
      totalMs: out.totalMs,
      tokensPerSecond: out.ids.length > 1 && decodeMs > 0 ? ((out.ids.length - 1) * 1000) / decodeMs : null,
      error: null,
    };
  };

  signal?.throwIfAborted();
  if (!req.skipBase) columns.push(await run('base', 'Base model', {}));
  for (const a of req.adapters) {
    let adapter: ReturnType<typeof loadAdapter> | null = null;
    try {
      signal?.throwIfAborted();
      adapter = loadAdapter(model, a.dir);
      columns.push(await run(a.key, a.title, adapter.hooks));
    } catch (err) {
      // A cancel is not this adapter's failure: the whole request stops.
      if (signal?.aborted) throw err;
      columns.push({
        key: a.key,
        title: a.title,
        text: '',
        promptIds,
        ids: [],
        finish: 'length',
        prefillMs: 0,
        totalMs: 0,
        tokensPerSecond: null,
        error: err instanceof Error ? err.message : String(err),
      });
    } finally {
      adapter?.dispose();
    }
  }
  return { model: req.model, columns };
}
