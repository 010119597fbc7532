import { createClient, type BilbyClient } from '@bilby/sdk';
import { budgetedFetch, type UpstreamBudget, type UpstreamPriority } from './upstream-budget.js';

export interface UpstreamClientOptions {
  url: string;
  apiKey: string;
  budget: UpstreamBudget;
  priority: UpstreamPriority;
  /** How long each request may wait for its turn in the budget. */
  deadlineMs: number;
  /** How long the upstream may take to answer a request once it is sent. */
  requestTimeoutMs: number;
}

/** The SDK as the reseller's client of the upstream: CrazyTel's API only, every request on its turn in the budget. */
export function createUpstreamClient(options: UpstreamClientOptions): BilbyClient {
  return createClient({
    baseUrl: options.url,
    apiKey: options.apiKey,
    compatibility: 'crazytel',
    // Retries are the carrier's: a write CrazyTel cannot deduplicate is never sent twice blindly.
    maxRetries: 0,
    timeoutMs: options.deadlineMs + options.requestTimeoutMs,
    fetch: budgetedFetch({
      budget: options.budget,
      priority: options.priority,
      deadlineMs: options.deadlineMs,
      defaultHoldOffMs: 60_000,
      requestTimeoutMs: options.requestTimeoutMs,
    }),
  });
}
