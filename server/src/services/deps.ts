import { DEFAULT_BILLING_TIME_ZONE } from '../domain/billing-defaults.js';
import { DEFAULT_RETRY_SCHEDULE, type RetrySchedule } from '../domain/webhook-endpoint.js';
import type { UpstreamCatalogue } from '../carriers/catalogue.js';
import type { Carrier, CarrierRouting } from '../carriers/carrier.js';
import type { Database } from '../store/database.js';
import type { BackgroundTasks } from './background-tasks.js';
import type { ChangeSignal } from './change-signal.js';
import type { Faults } from './faults.js';
import type { RateLimiter } from './rate-limiter.js';

/** What the services need, passed in by the composition root (server.ts) or a test. */
export interface ServiceDeps {
  database: Database;
  carrier: Carrier;
  /** What the upstream offers for sale, with BILBY_CARRIER=crazytel; absent with Bilby's own carrier. */
  catalogue?: UpstreamCatalogue;
  /** Aborted when the server begins to close: long background work (a catalogue sync) stops at its next step. */
  stopping?: AbortSignal;
  /** The current time; tests move it to expire quarantines. */
  clock: () => Date;
  settings: ServiceSettings;
  log: ServiceLog;
  tasks: BackgroundTasks;
  rateLimiter: RateLimiter;
  /** Fault injection for the crash tests; absent otherwise. */
  faults?: Faults;
  /** Told after each write request: this process's workers look for new events at once. */
  changes?: ChangeSignal;
}

export interface ServiceSettings {
  /** How long a purchase waits for the carrier before answering upstream_pending. */
  carrierTimeoutMs: number;
  /** How long a released number stays out of stock. 0 returns it at once. */
  quarantineDays: number;
  billing: BillingSettings;
  /** How old a pending order must be before recovery may settle it. */
  recoveryGraceMs: number;
  /** Requests per API key per minute; 0 switches the limit off (benchmarks). */
  rateLimitPerMinute: number;
  /** Where upstream sends the numbers' calls unless an account overrides it; absent without an upstream. */
  upstreamRouting?: CarrierRouting;
  /** Who issues the tax invoices; absent, none is issued (a tax invoice must name its supplier's ABN). */
  supplier?: SupplierSettings;
  webhooks: WebhookSettings;
  reservations: ReservationSettings;
}

export interface ReservationSettings {
  /** How long a reservation holds its numbers unless the request asks for less. */
  minutes: number;
  /** The longest a reservation may be held, extensions included, from when it was made. */
  maxMinutes: number;
  /** Numbers one account may hold at once. */
  maxPerAccount: number;
}

export const DEFAULT_RESERVATION_SETTINGS: ReservationSettings = { minutes: 10, maxMinutes: 60, maxPerAccount: 100 };

export interface WebhookSettings {
  /** Deliver to loopback, private and link-local addresses too (tests, a receiver on the operator's own network). */
  allowPrivate: boolean;
  /** How long a receiver has to answer a delivery. */
  timeoutMs: number;
  retry: RetrySchedule;
  /** Deliveries one process sends at once. */
  concurrency: number;
  /** Deliveries to one endpoint in flight at once, across every process: one slow receiver holds no more. */
  perEndpoint: number;
  /** How often an idle delivery worker looks for work. */
  pollMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = { allowPrivate: false, timeoutMs: 10_000, retry: DEFAULT_RETRY_SCHEDULE, concurrency: 8, perEndpoint: 4, pollMs: 250 };

/** The supplier a tax invoice names, as the operator set it. */
export interface SupplierSettings {
  name: string;
  /** Eleven digits, checksum verified. */
  abn: string;
  address: string | null;
}

export interface BillingSettings {
  /** Where the rental's calendar dates are taken (an IANA name). */
  timeZone: string;
  /** Days a number stays suspended unpaid before it is released. */
  suspendDays: number;
  /** Days after a release during which its account may restore the number; its quarantine follows them. */
  releaseGraceDays: number;
}

/** The supplier tests and tools issue invoices as (the ATO's example ABN). */
export const EXAMPLE_SUPPLIER: SupplierSettings = { name: 'Bilby Telecom Pty Ltd', abn: '51824753556', address: '1 George Street, Sydney NSW 2000' };

export const DEFAULT_BILLING_SETTINGS: BillingSettings = { timeZone: DEFAULT_BILLING_TIME_ZONE, suspendDays: 14, releaseGraceDays: 7 };

export interface ServiceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function isoNow(deps: Pick<ServiceDeps, 'clock'>): string {
  return deps.clock().toISOString();
}
