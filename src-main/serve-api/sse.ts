/**
 * A streamed answer (server-sent events, as OpenAI streams completions): a route returns one instead of a JSON
 * value and the server writes each emitted value as a `data: JSON` event, then `data: [DONE]`. The 200 and its
 * headers go out with the first event, so a request refused before anything was generated (an unknown model, a
 * model that cannot generate) still gets its status and JSON error body.
 */
export type Emit = (data: unknown) => void;

export class EventStream {
  constructor(
    /** Emits the events; `signal` aborts when the client went away (the rest is not worth making: stop it). */
    readonly produce: (emit: Emit, signal: AbortSignal) => Promise<void>,
  ) {}
}

export const sseEvent = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;
export const SSE_DONE = 'data: [DONE]\n\n';
