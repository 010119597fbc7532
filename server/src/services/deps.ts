import type { Carrier, CarrierRouting } from '../carriers/carrier.js';
import type { Database } from '../store/database.js';
import type { BackgroundTasks } from './background-tasks.js';
import type { Faults } from './faults.js';
import type { RateLimiter } from './rate-limiter.js';

/** What the services need, passed in by the composition root (server.ts) or a test. */
export interface ServiceDeps {
  database: Database;
  carrier: Carrier;
  /** The current time; tests move it to expire quarantines. */
  clock: () => Date;
  settings: ServiceSettings;
  log: ServiceLog;
  tasks: BackgroundTasks;
  rateLimiter: RateLimiter;
  /** Fault injection for the crash tests; absent otherwise. */
  faults?: Faults;
}

export interface ServiceSettings {
  /** How long a purchase waits for the carrier before answering upstream_pending. */
  carrierTimeoutMs: number;
  /** How long a released number stays out of stock. 0 returns it at once. */
  quarantineDays: number;
  /** How old a pending order must be before recovery may settle it. */
  recoveryGraceMs: number;
  /** Requests per API key per minute; 0 switches the limit off (benchmarks). */
  rateLimitPerMinute: number;
  /** Where upstream sends the numbers' calls unless an account overrides it; absent without an upstream. */
  upstreamRouting?: CarrierRouting;
}

export interface ServiceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function isoNow(deps: Pick<ServiceDeps, 'clock'>): string {
  return deps.clock().toISOString();
}
