import { dirname, join } from 'node:path';
import { parseAbn } from './domain/abn.js';
import { DEFAULT_BILLING_TIME_ZONE } from './domain/billing-defaults.js';
import { CRASH_POINTS, type CrashPoint } from './domain/crash-points.js';
import { isPostgresUrl, sqlitePath } from './domain/database-url.js';
import { parseDurationMs } from './domain/duration.js';
import { parseNumber } from './domain/phone-number.js';
import { isRouteType, needsDestination, normaliseDestination, ROUTE_TYPES, type RouteType } from './domain/routing.js';
import { DEFAULT_RETRY_SCHEDULE } from './domain/webhook-endpoint.js';
import { DEFAULT_CLIENT_TIMEOUTS } from './http/client-timeouts.js';

/** Everything Bilby reads from the environment, typed, checked once and frozen. */
export interface Config {
  /** @default 8080 */
  port: number;
  /** @default "0.0.0.0" */
  host: string;
  /** `file:<path>`, `:memory:` or `postgres://…`. @default "file:./data/bilby.db" */
  databaseUrl: string;
  /** PostgreSQL only: connections each process keeps open. @default 10 */
  databasePoolSize: number;
  /** SQLite file only: reader threads that answer searches off the event loop (0: none). @default 2 */
  sqliteReaders: number;
  carrier: {
    /** `crazytel`: numbers are bought from the CrazyTel-compatible upstream in `upstream`. @default "simulated" */
    kind: 'simulated' | 'crazytel';
    /** The simulated carrier's own books. @default next to the database, "carrier-sim.db" */
    databasePath: string;
    /** 0–1. @default 0 */
    failureRate: number;
    /** @default 0 */
    latencyMs: number;
    /** @default 10000 */
    timeoutMs: number;
    /** 0–1: share of provision calls that hang past the timeout. @default 0 */
    hangRate: number;
    /** How long a hanging provision call lasts before it provisions. @default twice the carrier timeout */
    hangMs: number;
    /** The longest a provision call may take before the carrier answers: latency plus a hang. */
    longestProvisionMs: number;
  };
  /** With BILBY_CARRIER=crazytel: the upstream the reseller buys from. */
  upstream: UpstreamConfig | undefined;
  /** @default 30 */
  quarantineDays: number;
  billing: BillingConfig;
  /**
   * Who issues the tax invoices (BILBY_SUPPLIER_NAME, BILBY_SUPPLIER_ABN, BILBY_SUPPLIER_ADDRESS):
   * both name and ABN, or neither, when no invoice is issued until they are set.
   * @default undefined
   */
  supplier: SupplierConfig | undefined;
  /** @default 30000 */
  recoveryIntervalMs: number;
  /**
   * How often the carrier is reconciled with the numbers customers hold, once across every process
   * sharing the database; 0: only when the operator asks. @default 86400000 (a day)
   */
  reconcileIntervalMs: number;
  /**
   * How old a pending order must be before recovery settles it: older than any provision call still
   * under way, so recovery never fails an order the carrier is about to provision (and then
   * releases it upstream, churn a real carrier bills).
   * @default the carrier timeout + the longest provisioning + 30 s
   */
  recoveryGraceMs: number;
  /** Makes this key open the demo account (with `serve --demo`); at least 20 characters. */
  demoApiKey: string | undefined;
  /** The key the operator API (/admin/v1) requires; at least 16 characters. Without it that API is off. */
  adminKey: string | undefined;
  /** Fault injection for crash tests only: the saga point where the server kills itself. */
  crashPoint: CrashPoint | undefined;
  /** Requests per API key per minute, 0 for no limit. @default 60 */
  rateLimitPerMinute: number;
  /**
   * How long a request's headers may take to arrive; then a 408 and the connection closes. Headers
   * are a few hundred bytes: even a 9.6 kbit/s link sends 16 KiB of them in 14 s. @default 30000
   */
  headersTimeoutMs: number;
  /**
   * How long a JSON body (at most 16 KiB) may take to arrive once the headers have, however steadily
   * it trickles in; then a 408 and the connection closes. @default 60000
   */
  bodyTimeoutMs: number;
  /**
   * The longest any request body may go without a byte arriving, the CSV import's included; then a
   * 408 and the connection closes. The import has no total limit, only this one: a million-row file
   * (about 50 MB) takes 7 minutes at 1 Mbit/s and half an hour at 256 kbit/s, and is never idle
   * for a minute while its link works. @default 60000
   */
  bodyIdleTimeoutMs: number;
  /**
   * How long an idle keep-alive connection stays open: longer than the 60 s idle timeout of
   * common load balancers, so that they, not Bilby, close the connections they reuse. @default 72000
   */
  keepAliveTimeoutMs: number;
  webhooks: WebhookConfig;
  reservations: ReservationConfig;
  /** @default "info" */
  logLevel: string;
  /**
   * For `npm run bench:profile` only: time every SQLite statement and print the totals to stderr
   * when the process exits (BILBY_PROFILE_SQL=1). @default false
   */
  profileSql: boolean;
}

export interface ReservationConfig {
  /** How long a reservation holds its numbers by default (BILBY_RESERVATION_MINUTES). @default 10 */
  minutes: number;
  /** The longest a reservation may last, extensions included (BILBY_RESERVATION_MAX_MINUTES). @default 60 */
  maxMinutes: number;
  /** Numbers one account may hold at once (BILBY_RESERVATION_MAX_PER_ACCOUNT). @default 100 */
  maxPerAccount: number;
}

export interface WebhookConfig {
  /**
   * Deliver webhooks to loopback, private, link-local and other non-public addresses too
   * (BILBY_WEBHOOK_ALLOW_PRIVATE=true): for tests and receivers on the operator's own network.
   * Otherwise such URLs are refused, as a customer could reach Bilby's own network through them.
   * @default false
   */
  allowPrivate: boolean;
  /** How long a receiver has to answer (BILBY_WEBHOOK_TIMEOUT_MS). @default 10000 */
  timeoutMs: number;
  /** The wait after a delivery's first failure, doubling after each (BILBY_WEBHOOK_RETRY_BASE_MS). @default 30000 */
  retryBaseMs: number;
  /** The longest wait between attempts (BILBY_WEBHOOK_RETRY_MAX_MS). @default 21600000 (6 hours) */
  retryMaxMs: number;
  /**
   * How long a delivery is retried before Bilby gives up on it, and how long an endpoint may fail
   * before it is disabled (BILBY_WEBHOOK_GIVE_UP_MS). @default 259200000 (3 days)
   */
  giveUpMs: number;
  /** Deliveries a process sends at once (BILBY_WEBHOOK_CONCURRENCY). @default 8 */
  concurrency: number;
  /**
   * Deliveries to one endpoint in flight at once, across every process (BILBY_WEBHOOK_PER_ENDPOINT):
   * a slow or hanging receiver holds no more slots than this. @default 4
   */
  perEndpoint: number;
  /** How often an idle worker looks for deliveries (BILBY_WEBHOOK_POLL_MS). @default 250 */
  pollMs: number;
}

export interface UpstreamConfig {
  /** @default "https://crazytel.io" */
  url: string;
  /** The reseller's key at the upstream. Required. */
  apiKey: string;
  /** Requests the upstream allows a minute, shared by every process of this Bilby. @default 60 */
  ratePerMinute: number;
  /** Where the upstream sends every number's calls: normally the reseller's own SIP server. @default "server" */
  route: RouteType;
  /** Required unless the route takes none (congestion). */
  destination: string | null;
  /** How long one upstream request may take to answer. @default 30000 */
  requestTimeoutMs: number;
  /**
   * How often the upstream's catalogue is synced into the stock (BILBY_UPSTREAM_SYNC_INTERVAL, e.g.
   * `6h`); null for never, as by default: the operator syncs with `bilby admin inventory sync`.
   * @default null
   */
  syncIntervalMs: number | null;
}

export interface BillingConfig {
  /** Where the rental's calendar dates are taken (BILBY_BILLING_TIME_ZONE, an IANA name). @default "Australia/Sydney" */
  timeZone: string;
  /** How often a billing run charges the periods due (BILBY_BILLING_INTERVAL, e.g. `1h`; `off`: only `bilby billing run`). @default 3600000 */
  intervalMs: number | null;
  /** Days a number stays suspended unpaid before it is released (BILBY_SUSPEND_DAYS). @default 14 */
  suspendDays: number;
  /**
   * Days after a release during which the account that released the number may restore it
   * (BILBY_RELEASE_GRACE_DAYS, at most 28 so that a restore never skips a month); its quarantine
   * begins when they end. @default 7
   */
  releaseGraceDays: number;
}

export interface SupplierConfig {
  /** The supplier's name as on its tax invoices. */
  name: string;
  /** Its Australian Business Number, eleven digits (spaces are dropped); checked against the ATO's checksum. */
  abn: string;
  /** Printed under the name when set. @default null */
  address: string | null;
}

/** A sync reads the upstream's listing in at least nine requests: more often than this would spend the budget on it. */
export const MIN_SYNC_INTERVAL_MS = 60_000;
const MAX_SYNC_INTERVAL_MS = 30 * 86_400_000;

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Past Bilby's wait for the carrier and the carrier's longest answer, with a margin for clocks and load. */
export function safeRecoveryGraceMs(carrierTimeoutMs: number, longestProvisionMs: number): number {
  return carrierTimeoutMs + longestProvisionMs + 30_000;
}

/** Reads the configuration; every bad variable is reported in one error. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const number = (name: string, fallback: number, min: number, max: number, integer = true): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      problems.push(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const databaseUrl = env.BILBY_DATABASE_URL || 'file:./data/bilby.db';
  // The simulated carrier keeps its books next to a SQLite database, or under ./data otherwise.
  let carrierPath = './data/carrier-sim.db';
  try {
    if (!isPostgresUrl(databaseUrl)) {
      const path = sqlitePath(databaseUrl);
      carrierPath = path === ':memory:' ? ':memory:' : join(dirname(path), 'carrier-sim.db');
    }
  } catch (error) {
    problems.push(`BILBY_DATABASE_URL: ${(error as Error).message}`);
  }
  // Read here, not in the object below, so that a bad value joins the other problems instead of throwing alone.
  if (env.BILBY_CARRIER_DATABASE_URL !== undefined && env.BILBY_CARRIER_DATABASE_URL !== '') {
    try {
      carrierPath = sqlitePath(env.BILBY_CARRIER_DATABASE_URL);
    } catch (error) {
      problems.push(`BILBY_CARRIER_DATABASE_URL: ${(error as Error).message}`);
    }
  }
  const carrierKind = env.BILBY_CARRIER || 'simulated';
  if (carrierKind !== 'simulated' && carrierKind !== 'crazytel') problems.push(`BILBY_CARRIER must be "simulated" or "crazytel" (got "${carrierKind}")`);
  const timeoutMs = number('BILBY_CARRIER_TIMEOUT_MS', 10_000, 1, 600_000);
  const upstream = carrierKind === 'crazytel' ? readUpstream(env, number, problems) : undefined;
  const latencyMs = number('BILBY_CARRIER_LATENCY_MS', 0, 0, 600_000);
  const hangMs = timeoutMs * 2;
  // A crazytel purchase is up to three upstream requests (address, person, number), each waiting
  // its turn in the budget for at most the carrier timeout.
  const longestProvisionMs = upstream ? 3 * (timeoutMs + upstream.requestTimeoutMs) : latencyMs + hangMs;
  const demoApiKey = env.BILBY_DEMO_API_KEY || undefined;
  if (demoApiKey !== undefined && (demoApiKey.length < 20 || demoApiKey.length > 512 || /\s/.test(demoApiKey))) {
    problems.push('BILBY_DEMO_API_KEY must be 20 to 512 characters without spaces');
  }
  const adminKey = env.BILBY_ADMIN_KEY || undefined;
  if (adminKey !== undefined && (adminKey.length < 16 || adminKey.length > 512 || /\s/.test(adminKey))) {
    problems.push('BILBY_ADMIN_KEY must be 16 to 512 characters without spaces');
  }

  const config: Config = {
    port: number('PORT', 8080, 0, 65535),
    host: env.BILBY_HOST || '0.0.0.0',
    databaseUrl,
    databasePoolSize: number('BILBY_DATABASE_POOL_SIZE', 10, 1, 1000),
    sqliteReaders: number('BILBY_SQLITE_READERS', 2, 0, 64),
    carrier: {
      kind: carrierKind === 'crazytel' ? 'crazytel' : 'simulated',
      databasePath: carrierPath,
      failureRate: number('BILBY_CARRIER_FAILURE_RATE', 0, 0, 1, false),
      latencyMs,
      timeoutMs,
      hangRate: number('BILBY_CARRIER_HANG_RATE', 0, 0, 1, false),
      hangMs,
      longestProvisionMs,
    },
    upstream,
    quarantineDays: number('BILBY_QUARANTINE_DAYS', 30, 0, 3650),
    billing: {
      timeZone: readTimeZone(env.BILBY_BILLING_TIME_ZONE, problems),
      intervalMs: readBillingInterval(env.BILBY_BILLING_INTERVAL, problems),
      suspendDays: number('BILBY_SUSPEND_DAYS', 14, 0, 3650),
      releaseGraceDays: number('BILBY_RELEASE_GRACE_DAYS', 7, 0, 28),
    },
    supplier: readSupplier(env, problems),
    recoveryIntervalMs: number('BILBY_RECOVERY_INTERVAL_MS', 30_000, 100, 86_400_000),
    reconcileIntervalMs: number('BILBY_RECONCILE_INTERVAL_MS', 86_400_000, 0, 366 * 86_400_000),
    recoveryGraceMs: number('BILBY_RECOVERY_GRACE_MS', safeRecoveryGraceMs(timeoutMs, longestProvisionMs), 0, 86_400_000),
    demoApiKey,
    adminKey,
    crashPoint: env.BILBY_CRASH_POINT ? (env.BILBY_CRASH_POINT as CrashPoint) : undefined,
    rateLimitPerMinute: number('BILBY_RATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
    headersTimeoutMs: number('BILBY_HEADERS_TIMEOUT_MS', DEFAULT_CLIENT_TIMEOUTS.headersTimeoutMs, 100, 3_600_000),
    bodyTimeoutMs: number('BILBY_BODY_TIMEOUT_MS', DEFAULT_CLIENT_TIMEOUTS.bodyTimeoutMs, 100, 3_600_000),
    bodyIdleTimeoutMs: number('BILBY_BODY_IDLE_TIMEOUT_MS', DEFAULT_CLIENT_TIMEOUTS.bodyIdleTimeoutMs, 100, 3_600_000),
    keepAliveTimeoutMs: number('BILBY_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_CLIENT_TIMEOUTS.keepAliveTimeoutMs, 100, 3_600_000),
    webhooks: {
      allowPrivate: flag('BILBY_WEBHOOK_ALLOW_PRIVATE', false),
      timeoutMs: number('BILBY_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      retryBaseMs: number('BILBY_WEBHOOK_RETRY_BASE_MS', DEFAULT_RETRY_SCHEDULE.baseMs, 10, 86_400_000),
      retryMaxMs: number('BILBY_WEBHOOK_RETRY_MAX_MS', DEFAULT_RETRY_SCHEDULE.maxDelayMs, 10, 7 * 86_400_000),
      giveUpMs: number('BILBY_WEBHOOK_GIVE_UP_MS', DEFAULT_RETRY_SCHEDULE.giveUpAfterMs, 1_000, 30 * 86_400_000),
      concurrency: number('BILBY_WEBHOOK_CONCURRENCY', 8, 1, 256),
      perEndpoint: number('BILBY_WEBHOOK_PER_ENDPOINT', 4, 1, 256),
      pollMs: number('BILBY_WEBHOOK_POLL_MS', 250, 10, 60_000),
    },
    reservations: {
      minutes: number('BILBY_RESERVATION_MINUTES', 10, 1, 24 * 60),
      maxMinutes: number('BILBY_RESERVATION_MAX_MINUTES', 60, 1, 7 * 24 * 60),
      maxPerAccount: number('BILBY_RESERVATION_MAX_PER_ACCOUNT', 100, 1, 100_000),
    },
    logLevel: env.BILBY_LOG_LEVEL || 'info',
    profileSql: env.BILBY_PROFILE_SQL === '1',
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`BILBY_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  if (config.crashPoint && !CRASH_POINTS.includes(config.crashPoint)) {
    problems.push(`BILBY_CRASH_POINT must be one of ${CRASH_POINTS.join(', ')}`);
  }
  if (config.reservations.maxMinutes < config.reservations.minutes) {
    problems.push('BILBY_RESERVATION_MAX_MINUTES must be at least BILBY_RESERVATION_MINUTES: a reservation could not last as long as it is made for');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

type NumberReader = (name: string, fallback: number, min: number, max: number) => number;

function readUpstream(env: Env, number: NumberReader, problems: string[]): UpstreamConfig {
  const url = env.BILBY_UPSTREAM_URL || 'https://crazytel.io';
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http');
  } catch {
    problems.push(`BILBY_UPSTREAM_URL must be an http or https URL (got "${url}")`);
  }
  const apiKey = env.BILBY_UPSTREAM_API_KEY ?? '';
  if (apiKey === '') problems.push('BILBY_UPSTREAM_API_KEY is required with BILBY_CARRIER=crazytel: the reseller\'s key at the upstream');
  else if (apiKey.length > 512 || /\s/.test(apiKey)) problems.push('BILBY_UPSTREAM_API_KEY must be at most 512 characters without spaces');
  const routeText = env.BILBY_UPSTREAM_ROUTE || 'server';
  let route: RouteType = 'server';
  if (isRouteType(routeText)) route = routeText;
  else problems.push(`BILBY_UPSTREAM_ROUTE must be one of ${ROUTE_TYPES.join(', ')} (got "${routeText}")`);
  let destination: string | null = null;
  const destinationText = env.BILBY_UPSTREAM_DESTINATION ?? '';
  if (needsDestination(route)) {
    if (destinationText === '') problems.push(`BILBY_UPSTREAM_DESTINATION is required for the route "${route}": where the upstream sends the calls`);
    else {
      destination = normaliseDestination(route, destinationText, (text) => parseNumber(text)?.e164 ?? null);
      if (destination === null) problems.push(`BILBY_UPSTREAM_DESTINATION is not a destination for the route "${route}" (got "${destinationText}")`);
    }
  } else if (destinationText !== '') {
    problems.push(`BILBY_UPSTREAM_DESTINATION must be empty for the route "${route}", which takes none`);
  }
  return {
    url,
    apiKey,
    ratePerMinute: number('BILBY_UPSTREAM_RATE_PER_MINUTE', 60, 1, 100_000),
    route,
    destination,
    requestTimeoutMs: number('BILBY_UPSTREAM_TIMEOUT_MS', 30_000, 100, 600_000),
    syncIntervalMs: readSyncInterval(env.BILBY_UPSTREAM_SYNC_INTERVAL, problems),
  };
}

function readSupplier(env: Env, problems: string[]): SupplierConfig | undefined {
  const name = env.BILBY_SUPPLIER_NAME?.trim() ?? '';
  const abnText = env.BILBY_SUPPLIER_ABN?.trim() ?? '';
  const address = env.BILBY_SUPPLIER_ADDRESS?.trim() ?? '';
  if (name === '' && abnText === '') {
    if (address !== '') problems.push('BILBY_SUPPLIER_ADDRESS needs BILBY_SUPPLIER_NAME and BILBY_SUPPLIER_ABN');
    return undefined;
  }
  if (name === '') problems.push('BILBY_SUPPLIER_NAME is required with BILBY_SUPPLIER_ABN: the name tax invoices are issued in');
  else if (name.length > 200) problems.push('BILBY_SUPPLIER_NAME must be at most 200 characters');
  if (address.length > 500) problems.push('BILBY_SUPPLIER_ADDRESS must be at most 500 characters');
  const abn = parseAbn(abnText);
  if (abnText === '') problems.push('BILBY_SUPPLIER_ABN is required with BILBY_SUPPLIER_NAME: a tax invoice must show the supplier\'s ABN');
  else if (abn === null) problems.push(`BILBY_SUPPLIER_ABN must be an Australian Business Number, 11 digits that pass the ATO's check (got "${abnText}")`);
  return { name, abn: abn ?? '', address: address === '' ? null : address };
}

function readTimeZone(raw: string | undefined, problems: string[]): string {
  const zone = raw?.trim() || DEFAULT_BILLING_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en-AU', { timeZone: zone });
    return zone;
  } catch {
    problems.push(`BILBY_BILLING_TIME_ZONE must be an IANA time zone such as Australia/Sydney (got "${zone}")`);
    return DEFAULT_BILLING_TIME_ZONE;
  }
}

const DEFAULT_BILLING_INTERVAL_MS = 3_600_000;

function readBillingInterval(raw: string | undefined, problems: string[]): number | null {
  const text = raw?.trim() ?? '';
  if (text === '') return DEFAULT_BILLING_INTERVAL_MS;
  if (text.toLowerCase() === 'off' || text === '0') return null;
  const ms = parseDurationMs(text);
  if (ms === null || ms < 1_000 || ms > 31 * 86_400_000) {
    problems.push(`BILBY_BILLING_INTERVAL must be a duration from 1s to 31d, like 1h, 15m or 3600 (seconds), or off (got "${raw}")`);
    return DEFAULT_BILLING_INTERVAL_MS;
  }
  return ms;
}

function readSyncInterval(raw: string | undefined, problems: string[]): number | null {
  const text = raw?.trim() ?? '';
  if (text === '' || text.toLowerCase() === 'off' || text === '0') return null;
  const ms = parseDurationMs(text);
  if (ms === null || ms < MIN_SYNC_INTERVAL_MS || ms > MAX_SYNC_INTERVAL_MS) {
    problems.push(`BILBY_UPSTREAM_SYNC_INTERVAL must be a duration from 1m to 30d, like 6h, 30m or 3600 (seconds), or off (got "${raw}")`);
    return null;
  }
  return ms;
}
