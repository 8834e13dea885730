/**
 * A loopback load generator for the serving API: `requests` calls at most `concurrency` at a time, each one's
 * status and latency recorded. `studio bench-serve` and the reliability load test drive the API with it.
 */

export interface LoadRequest {
  path: string;
  body: unknown;
}

export interface LoadResult {
  /** Count per HTTP status (0: the connection failed). */
  statuses: Record<number, number>;
  /** Latency of every answered request (ms), in completion order. */
  latencies: number[];
  wallMs: number;
}

export async function runLoad(opts: {
  url: string;
  token: string;
  requests: number;
  concurrency: number;
  request: (i: number) => LoadRequest;
}): Promise<LoadResult> {
  const statuses: Record<number, number> = {};
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < opts.requests) {
      const r = opts.request(next++);
      const start = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${opts.url}${r.path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(r.body),
        });
        await res.arrayBuffer();
        status = res.status;
        latencies.push(performance.now() - start);
      } catch {
        status = 0;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.requests) }, worker));
  return { statuses, latencies, wallMs: performance.now() - t0 };
}

/** The q-quantile (0..1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** A few sentences of different lengths, so batches are padded as real traffic is. */
export const SAMPLE_TEXTS = [
  'win a free prize now',
  'are we still meeting for lunch tomorrow at noon?',
  'your account has been suspended, click the link below to verify your identity and restore access',
  'thanks!',
  'the quarterly report is attached; please review the figures before the board meeting on thursday',
  'limited offer: cheap watches',
  'can you send me the slides from yesterday',
  'congratulations, you have been selected for an exclusive reward, reply with your bank details',
];
