import { ApiError, ConnectionError, errorFromResponse, UnsupportedError, type ApiErrorBody } from './errors.js';
import { newIdempotencyKey } from './idempotency-key.js';

/** How the client talks to a server. Every option but baseUrl has a default. */
export interface ClientOptions {
  /** Where the server is, e.g. `http://localhost:8080` or `https://crazytel.io` (`/api/v1` is added). */
  baseUrl: string;
  /** The account's API key, sent as `X-Crazytel-Api-Key` (both Bilby and crazytel.io accept it). */
  apiKey?: string;
  /** The operator key, for `client.admin` (Bilby only). */
  adminKey?: string;
  /**
   * Retries of what is safe to send again: network errors, 409 request_in_progress, 429 and 5xx,
   * under the call's one Idempotency-Key. Never a carrier's answer to a purchase (500
   * upstream_error or upstream_pending: each retry would be another provisioning attempt, or the
   * same pending answer), and, without an Idempotency-Key (`compatibility: 'crazytel'`), never a
   * write that may have reached the server: only a 429 or a refused connection. @default 2
   */
  maxRetries?: number;
  /**
   * Whether a connection that could not be opened (refused, or a host name that does not resolve)
   * is retried like other network errors. Nothing was sent, so it is always safe, and it rides out a
   * server restarting; where nothing listens it only delays the error, so a command line turns it
   * off. A URL fetch will not use (a blocked port, an unknown scheme) is never retried. @default true
   */
  retryConnectFailures?: boolean;
  /** Per attempt. @default 30000 */
  timeoutMs?: number;
  /** First back-off delay; it doubles each retry, with jitter. @default 500 */
  retryBaseDelayMs?: number;
  /** @default 8000 */
  maxRetryDelayMs?: number;
  /** `'crazytel'` makes Bilby-only calls throw UnsupportedError instead of being sent. @default "bilby" */
  compatibility?: 'bilby' | 'crazytel';
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `customer` paths live under /api/v1, `admin` under /admin/v1. */
  api: 'customer' | 'admin';
  path: string;
  /** Names the call in errors; `purchase` also decides how a code-less 404 or 500 is read. */
  operation: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  body?: unknown;
  /** A body sent as is (e.g. a CSV stream): never retried, since it cannot be sent twice. */
  rawBody?: { body: BodyInit | ReadableStream<Uint8Array>; contentType: string };
  /** Bilby extensions are refused locally in `crazytel` compatibility mode. */
  extension?: boolean;
  /** Reused by every retry of the call. @default a new UUID per call, for POST, PATCH and DELETE */
  idempotencyKey?: string | undefined;
  /** `bytes`: the answer is a file (a PDF), returned as a Uint8Array; errors are still JSON. @default "json" */
  responseType?: 'json' | 'bytes';
}

const RETRYABLE_CONFLICTS = new Set(['request_in_progress', 'conflict']);
const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);
/** Connections that could not be opened: nothing was sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** fetch's refusals of the URL itself, which no retry can change. */
const UNUSABLE_URL = new Set(['bad port', 'unknown scheme']);
/** 5xx codes that report the carrier's outcome, not a failure to handle the request. */
const CARRIER_OUTCOMES = new Set(['upstream_error', 'upstream_pending']);

/** Sends requests with the reliability rules of Stripe's SDK: safe retries, one idempotency key per call, back-off with jitter. */
export class Transport {
  readonly options: Required<Omit<ClientOptions, 'apiKey' | 'adminKey'>> & Pick<ClientOptions, 'apiKey' | 'adminKey'>;
  private readonly origin: string;

  constructor(options: ClientOptions) {
    if (!options.baseUrl) throw new TypeError('createClient: baseUrl is required');
    this.options = {
      maxRetries: 2,
      retryConnectFailures: true,
      timeoutMs: 30_000,
      retryBaseDelayMs: 500,
      maxRetryDelayMs: 8_000,
      compatibility: 'bilby',
      fetch: globalThis.fetch.bind(globalThis),
      ...options,
    };
    this.origin = options.baseUrl.replace(/\/+$/, '').replace(/\/(api|admin)\/v1$/, '');
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    if (spec.extension && this.options.compatibility === 'crazytel') {
      throw new UnsupportedError(`${spec.operation} is a Bilby extension: crazytel.io does not offer it`);
    }
    const url = this.url(spec);
    const headers = this.headers(spec);
    const replayable = spec.rawBody === undefined;
    const maxRetries = replayable ? this.options.maxRetries : 0;
    // A write sent again without a key may run again: only the server's own records could tell.
    const unkeyedWrite = WRITE_METHODS.has(spec.method) && headers['idempotency-key'] === undefined;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.options.fetch(url, {
          method: spec.method,
          headers,
          ...this.body(spec),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        const reason = failureReason(error);
        const retryable = !UNUSABLE_URL.has(reason) && (this.options.retryConnectFailures || !NOT_CONNECTED.has(reason));
        if (attempt < maxRetries && retryable && (!unkeyedWrite || neverSent(error))) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw new ConnectionError(`${spec.operation}: could not reach ${this.origin} (${reason})`, { cause: error, origin: this.origin, reason });
      }
      if (response.ok) return (spec.responseType === 'bytes' ? new Uint8Array(await response.arrayBuffer()) : await readJson(response)) as T;
      const error = await this.errorFor(response, spec.operation);
      if (attempt < maxRetries && isRetryable(error, unkeyedWrite)) {
        const retryAfter = 'retryAfterSeconds' in error ? (error.retryAfterSeconds as number | undefined) : undefined;
        await sleep(retryAfter !== undefined ? Math.min(retryAfter * 1000, 60_000) : this.backoff(attempt));
        continue;
      }
      throw error;
    }
  }

  private url(spec: RequestSpec): string {
    const url = new URL(`${this.origin}/${spec.api === 'admin' ? 'admin' : 'api'}/v1${spec.path}`);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  private headers(spec: RequestSpec): Record<string, string> {
    const headers: Record<string, string> = { accept: spec.responseType === 'bytes' ? '*/*' : 'application/json' };
    if (spec.api === 'admin') {
      if (this.options.adminKey) headers.authorization = `Bearer ${this.options.adminKey}`;
    } else if (this.options.apiKey) {
      headers['x-crazytel-api-key'] = this.options.apiKey;
    }
    if (spec.rawBody) headers['content-type'] = spec.rawBody.contentType;
    else if (spec.body !== undefined) headers['content-type'] = 'application/json';
    // Extension headers stay off requests to crazytel.io.
    if (WRITE_METHODS.has(spec.method) && this.options.compatibility === 'bilby' && spec.rawBody === undefined) {
      headers['idempotency-key'] = spec.idempotencyKey ?? newIdempotencyKey();
    }
    return headers;
  }

  private body(spec: RequestSpec): RequestInit {
    if (spec.rawBody) return { body: spec.rawBody.body as BodyInit, duplex: 'half' } as RequestInit;
    if (spec.body !== undefined) return { body: JSON.stringify(spec.body) };
    return {};
  }

  private async errorFor(response: Response, operation: string): Promise<ApiError> {
    let body: ApiErrorBody;
    const text = await response.text().catch(() => '');
    try {
      const parsed: unknown = JSON.parse(text);
      body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ApiErrorBody) : { detail: text };
    } catch {
      body = { detail: text.trim() || response.statusText };
    }
    const header = response.headers.get('retry-after');
    const retryAfter = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
    return errorFromResponse(response.status, body, retryAfter, operation);
  }

  /** Exponential back-off with "equal jitter": half the delay fixed, half random. */
  private backoff(attempt: number): number {
    const delay = Math.min(this.options.maxRetryDelayMs, this.options.retryBaseDelayMs * 2 ** attempt);
    return delay / 2 + Math.random() * (delay / 2);
  }
}

function isRetryable(error: ApiError, unkeyedWrite: boolean): boolean {
  if (error.status === 429) return true; // refused before it ran
  if (unkeyedWrite) return false;
  // The body's own code, not one the SDK inferred: a proxy's code-less 503 is retried.
  if (error.status >= 500) return !CARRIER_OUTCOMES.has(String(error.body.code));
  return error.status === 409 && RETRYABLE_CONFLICTS.has(error.code);
}

/** A connection refused: the request never reached a server. */
function neverSent(error: unknown): boolean {
  return (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  return text === '' ? undefined : JSON.parse(text);
}

/** The system's code, `timeout`, or fetch's message; an AggregateError (every address of a host) by its first. */
function failureReason(error: unknown): string {
  if ((error as Error).name === 'TimeoutError') return 'timeout';
  const cause = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits `ms`, or until `signal` aborts if that comes first. */
export function sleepUnless(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
