import type { GenerationColumn, SamplingOptions } from '../../src-shared/generation.ts';
import { call, on } from './api.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** One column of the generation playground: the text as it streams in, then the finished column. */
export interface StreamColumn {
  key: string;
  title: string;
  text: string;
  /** Tokens received so far. */
  tokens: number;
  /** Set when the column finished (the call resolved). */
  done: GenerationColumn | null;
}

/** The form's starting values: greedy decoding (SamplingOptions' defaults as `studio generate` has them). */
export const GENERATION_DEFAULTS = {
  maxNewTokens: 32,
  temperature: 0,
  topK: 0,
  topP: 1,
  seed: 0,
} satisfies Partial<SamplingOptions>;

let counter = 0;

/**
 * The generation playground: the base and the chosen adapters generate in turn from one prompt; each column's text
 * grows as main pushes `generate:token` events for this request, and the call's result settles every column.
 */
export class GenerationState {
  #columns = $state.raw<StreamColumn[]>([]);
  #running = $state(false);
  #error = $state<string | null>(null);
  #prompt = $state('');

  get columns() {
    return this.#columns;
  }
  get running() {
    return this.#running;
  }
  get error() {
    return this.#error;
  }
  /** The prompt the columns continue (the form's field may have changed since). */
  get prompt() {
    return this.#prompt;
  }

  async generate(input: {
    project: string;
    model: string;
    adapters: { runId: number; title: string }[];
    prompt: string;
    options: SamplingOptions;
  }): Promise<void> {
    const requestId = `gen-${Date.now()}-${++counter}`;
    this.#running = true;
    this.#error = null;
    this.#prompt = input.prompt;
    this.#columns = [
      { key: 'base', title: 'Base model', text: '', tokens: 0, done: null },
      ...input.adapters.map((a) => ({
        key: String(a.runId),
        title: a.title,
        text: '',
        tokens: 0,
        done: null,
      })),
    ];
    const off = on('generate:token', (t) => {
      if (t.requestId !== requestId) return;
      this.#columns = this.#columns.map((c) =>
        c.key === t.column && !c.done
          ? { ...c, text: c.text + t.delta, tokens: c.tokens + (t.id >= 0 ? 1 : 0) }
          : c,
      );
    });
    try {
      const result = await call('playground:generate', {
        project: input.project,
        model: input.model,
        runIds: input.adapters.map((a) => a.runId),
        prompt: input.prompt,
        options: input.options,
        requestId,
      });
      // The result is the whole truth: events still in flight (another channel than the reply) change nothing.
      this.#columns = result.columns.map((c) => ({
        key: c.key,
        title: c.title,
        text: c.text,
        tokens: c.ids.length,
        done: c,
      }));
    } catch (err) {
      this.#error = message(err);
    } finally {
      off();
      this.#running = false;
    }
  }
}
