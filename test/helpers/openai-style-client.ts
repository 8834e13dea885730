/**
 * A client that calls the API the way OpenAI's official clients do (openai-node's `client.completions.create`,
 * `client.models.list/retrieve`; the Python client sends the same requests): base URL ending in /v1, the key as
 * `Authorization: Bearer`, JSON with `Accept: application/json`, the Stainless headers, and a stream read as
 * openai-node's SSE decoder reads it (events split on blank lines, `data:` lines joined, `[DONE]` ends it, an
 * event with `error` raises). Not a copy of either client: the same wire behaviour, so the test checks the shapes
 * those clients depend on (`data` of the list, `choices[i].text`, `usage`, the error object).
 */

export class OpenAiStyleError extends Error {
  constructor(
    readonly status: number,
    readonly error: { message: string; type: string; param: string | null; code: string | null },
  ) {
    super(`${status} ${error.message}`);
  }
}

export interface Completion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: { text: string; index: number; logprobs: null; finish_reason: 'stop' | 'length' | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

export class OpenAiStyleClient {
  constructor(
    readonly baseURL: string,
    readonly apiKey: string,
  ) {}

  #headers(): Record<string, string> {
    return {
      accept: 'application/json',
      'content-type': 'application/json',
      'user-agent': 'OpenAI/JS 4.77.0',
      'x-stainless-lang': 'js',
      'x-stainless-package-version': '4.77.0',
      'x-stainless-os': 'Linux',
      'x-stainless-arch': 'x64',
      'x-stainless-runtime': 'node',
      'x-stainless-retry-count': '0',
      authorization: `Bearer ${this.apiKey}`,
    };
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.baseURL}${path}`, {
      method,
      headers: this.#headers(),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) {
      const json = (await res.json()) as { error: OpenAiStyleError['error'] };
      throw new OpenAiStyleError(res.status, json.error);
    }
    return res;
  }

  readonly models = {
    list: async (): Promise<{ id: string; object: string; owned_by: string }[]> => {
      const page = (await (await this.#request('GET', '/models')).json()) as {
        object: string;
        data: { id: string; object: string; owned_by: string }[];
      };
      if (page.object !== 'list') throw new Error('not a list');
      return page.data;
    },
    retrieve: async (id: string) =>
      (await (await this.#request('GET', `/models/${encodeURIComponent(id)}`)).json()) as {
        id: string;
        object: string;
      },
  };

  readonly completions = {
    create: async (params: Record<string, unknown>): Promise<Completion> =>
      (await (
        await this.#request('POST', '/completions', { ...params, stream: false })
      ).json()) as Completion,
    /** The chunks of a streamed completion, as `for await (const chunk of stream)` yields them. */
    stream: async (params: Record<string, unknown>): Promise<Completion[]> => {
      const res = await this.#request('POST', '/completions', { ...params, stream: true });
      if (!res.headers.get('content-type')?.startsWith('text/event-stream')) throw new Error('not a stream');
      const chunks: Completion[] = [];
      const text = await res.text();
      let done = false;
      for (const event of text.split(/\r?\n\r?\n/)) {
        const data = event
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) continue;
        if (data === '[DONE]') {
          done = true;
          break;
        }
        const json = JSON.parse(data) as Completion & { error?: OpenAiStyleError['error'] };
        if (json.error) throw new OpenAiStyleError(200, json.error);
        chunks.push(json);
      }
      if (!done) throw new Error('the stream ended without [DONE]');
      return chunks;
    },
  };
}
