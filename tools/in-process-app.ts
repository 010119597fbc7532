import type { Carrier } from '../server/src/carriers/carrier.js';
import { createApp, type AppOptions } from '../server/src/http/app.js';
import type { TypedApp } from '../server/src/http/typed-app.js';
import { BackgroundTasks } from '../server/src/services/background-tasks.js';
import { DEFAULT_BILLING_SETTINGS, DEFAULT_RESERVATION_SETTINGS, DEFAULT_WEBHOOK_SETTINGS, EXAMPLE_SUPPLIER } from '../server/src/services/deps.js';
import { createRateLimiter } from '../server/src/services/rate-limiter.js';
import type { Database } from '../server/src/store/database.js';

/** The app over a database and a carrier in this process, quiet and without rate limits (tools and benchmarks). */
export function createInProcessApp(database: Database, carrier: Carrier, options: AppOptions = {}): Promise<TypedApp> {
  return createApp(
    {
      database,
      carrier,
      clock: () => new Date(),
      settings: { carrierTimeoutMs: 10_000, quarantineDays: 30, recoveryGraceMs: 0, rateLimitPerMinute: 0, billing: DEFAULT_BILLING_SETTINGS, supplier: EXAMPLE_SUPPLIER, webhooks: DEFAULT_WEBHOOK_SETTINGS, reservations: DEFAULT_RESERVATION_SETTINGS },
      log: { info: () => {}, warn: () => {}, error: () => {} },
      tasks: new BackgroundTasks(),
      rateLimiter: createRateLimiter(database),
    },
    options,
  );
}
