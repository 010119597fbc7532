import type { Carrier } from '../src/carriers/carrier.js';
import { createApp, type AppOptions } from '../src/http/app.js';
import type { TypedApp } from '../src/http/typed-app.js';
import { BackgroundTasks } from '../src/services/background-tasks.js';
import { createRateLimiter } from '../src/services/rate-limiter.js';
import type { Database } from '../src/store/database.js';

/** The app over a database and a carrier in this process, quiet and without rate limits (tools and benchmarks). */
export function createInProcessApp(database: Database, carrier: Carrier, options: AppOptions = {}): Promise<TypedApp> {
  return createApp(
    {
      database,
      carrier,
      clock: () => new Date(),
      settings: { carrierTimeoutMs: 10_000, quarantineDays: 30, recoveryGraceMs: 0, rateLimitPerMinute: 0 },
      log: { info: () => {}, warn: () => {}, error: () => {} },
      tasks: new BackgroundTasks(),
      rateLimiter: createRateLimiter(database),
    },
    options,
  );
}
