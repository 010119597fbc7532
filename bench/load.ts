import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  connections?: number;
  seconds: number;
  headers?: Record<string, string>;
  /** Each request's path and body, chosen per request (distinct queries, distinct numbers). */
  next?: () => { path?: string; body?: string; headers?: Record<string, string> };
  /**
   * Seconds of the same load first, not measured: a new process runs its code in V8's interpreter
   * until the JIT has seen enough calls. Its failures still count in the result.
   */
  warmUpSeconds?: number;
}

/** Loads one endpoint with autocannon (50 connections by default) and reads the figures off. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const warmUp = options.warmUpSeconds ? await run({ ...options, seconds: options.warmUpSeconds }) : undefined;
  const measured = await run(options);
  return warmUp ? { ...measured, non2xx: measured.non2xx + warmUp.non2xx, errors: measured.errors + warmUp.errors } : measured;
}

async function run(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? 50,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    requests: [
      {
        setupRequest: (request) => {
          const next = options.next?.();
          return {
            ...request,
            ...(next?.path ? { path: next.path } : {}),
            ...(next?.body !== undefined ? { body: next.body } : {}),
            ...(next?.headers ? { headers: { ...request.headers, ...next.headers } } : {}),
          };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
