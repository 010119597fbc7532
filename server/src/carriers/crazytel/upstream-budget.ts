/** Purchases, releases and recovery go first; synchronisation and checks use what is left. */
export type UpstreamPriority = 'customer' | 'background';

/** The upstream's request budget (CrazyTel allows 60 requests a minute), shared by every process. */
export interface UpstreamBudget {
  /**
   * Resolves when a request may be sent: at once, or after waiting its turn. Rejects with
   * UpstreamBusyError, having sent nothing, when no turn comes within `deadlineMs`.
   */
  take(priority: UpstreamPriority, deadlineMs: number): Promise<void>;
  /** The upstream refused a request (429) until `untilMs`: nobody sends before then. */
  holdOff(untilMs: number): Promise<void>;
}

/** No request was sent: the budget had no turn for it in time. */
export class UpstreamBusyError extends Error {
  constructor(message = 'the upstream request budget has no room before the deadline') {
    super(message);
    this.name = 'UpstreamBusyError';
  }
}

export interface BudgetedFetchOptions {
  budget: UpstreamBudget;
  priority: UpstreamPriority;
  /** How long a request may wait for its turn, 429s included. */
  deadlineMs: number;
  /** Without Retry-After, how long a 429 holds every request back: the upstream's whole window. */
  defaultHoldOffMs: number;
  /** How long the upstream may take to answer once the request is sent (the wait is not counted). */
  requestTimeoutMs: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * fetch, sending each request (and each resend after a 429) only on its turn in the budget. A 429
 * means the upstream ran nothing, so the request is sent again once Retry-After has passed; past
 * the deadline the 429 is the answer.
 */
export function budgetedFetch(options: BudgetedFetchOptions): typeof fetch {
  const inner = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  return async (input, init) => {
    const deadline = now() + options.deadlineMs;
    for (;;) {
      await options.budget.take(options.priority, Math.max(0, deadline - now()));
      const timeout = AbortSignal.timeout(options.requestTimeoutMs);
      const response = await inner(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
      if (response.status !== 429) return response;
      const until = now() + (retryAfterMs(response.headers.get('retry-after'), now()) ?? options.defaultHoldOffMs);
      await options.budget.holdOff(until);
      if (until > deadline) return response;
      await response.body?.cancel();
    }
  };
}

/** Retry-After as seconds or as an HTTP date. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
