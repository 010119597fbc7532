import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { SimulatedCarrier } from '../../server/src/carriers/simulated/simulated-carrier.js';
import { newId, newUuid } from '../../server/src/domain/ids.js';
import { parseNumber } from '../../server/src/domain/phone-number.js';
import { createApp } from '../../server/src/http/app.js';
import type { TypedApp } from '../../server/src/http/typed-app.js';
import { BackgroundTasks } from '../../server/src/services/background-tasks.js';
import { createAccount } from '../../server/src/services/create-account.js';
import { createRateLimiter } from '../../server/src/services/rate-limiter.js';
import { DEFAULT_BILLING_SETTINGS, DEFAULT_RESERVATION_SETTINGS, DEFAULT_WEBHOOK_SETTINGS, EXAMPLE_SUPPLIER, type ServiceDeps, type ServiceSettings } from '../../server/src/services/deps.js';
import type { Database, Db, DialectName } from '../../server/src/store/database.js';
import { openTestDatabase } from './databases.js';
import { insertAddress, insertPerson } from '../../server/src/store/ipnd-store.js';
import { insertNumbers } from '../../server/src/store/number-store.js';
import type { NewPhoneNumber } from '../../server/src/store/tables.js';

/** The destinations every test account has. */
const TEST_DESTINATIONS = [
  ['device', '1000000'],
  ['server', 'pbx.example.com'],
  ['voicemail', '2000'],
  ['forward', '61298765432'],
] as const;

/** The operator key every test app accepts on /admin/v1. */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';
/** Settings under which a released number is on sale again at once: no grace days, no quarantine. */
export const IMMEDIATE_RESALE = { quarantineDays: 0, billing: { ...DEFAULT_BILLING_SETTINGS, releaseGraceDays: 0 } };

/** Webhooks as the tests deliver them: to the loopback receivers they start, answered within 2 s. */
export const TEST_WEBHOOK_SETTINGS = { ...DEFAULT_WEBHOOK_SETTINGS, allowPrivate: true, timeoutMs: 2_000 };

export const ADMIN_HEADERS = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

export interface TestAccount {
  accountId: string;
  key: string;
  addressId: string;
  personId: string;
}

export interface InjectOptions {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export interface TestContextApi {
  app: TypedApp;
  deps: ServiceDeps;
  db: Db;
  database: Database;
  carrier: SimulatedCarrier;
  dir: string;
  /** A call to the operator API with the test admin key. */
  admin(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options?: InjectOptions): Promise<CallResult>;
  /** URLs that give a server process this test's database and carrier. */
  urls: { database: string; carrier: string };
  /** Moves the services' clock forward. */
  advanceClock(ms: number): void;
  createAccount(options?: { balance?: number; name?: string }): Promise<TestAccount>;
  /** Adds available numbers; each given as a number in any form with optional prices in cents. */
  seedNumbers(numbers: Array<string | SeedNumber>): Promise<void>;
  /** A second app over the same database with its own connections and limiter: another server process. */
  createPeerApp(): Promise<{ app: TypedApp; database: Database }>;
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, options?: InjectOptions): Promise<CallResult>;
}

export interface SeedNumber {
  number: string;
  setup?: number;
  monthly?: number;
  state?: string | null;
  city?: string | null;
  /** @default "simulated" */
  carrier?: 'simulated' | 'crazytel';
  /** What the upstream charges for it, in cents; a number with these follows its type's pricing rule unless `ownPrice`. */
  upstreamSetup?: number;
  upstreamMonthly?: number;
  ownPrice?: boolean;
}

export interface CallResult {
  status: number;
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
}

/** A fresh app on a fresh database (SQLite file or PostgreSQL schema) and simulated carrier, closed when the test ends. */
export async function createTestContext(
  t: TestContext,
  dialect: DialectName,
  settings: Partial<ServiceSettings> = {},
): Promise<TestContextApi> {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-test-'));
  const testDatabase = await openTestDatabase(dialect, dir, { migrated: true });
  const database = testDatabase.database;
  const carrier = await SimulatedCarrier.open({ path: join(dir, 'carrier.db') });
  let offsetMs = 0;
  const deps: ServiceDeps = {
    database,
    carrier,
    clock: () => new Date(Date.now() + offsetMs),
    // Rate limiting is off unless a test turns it on: suites send many requests with one key.
    settings: { carrierTimeoutMs: 2_000, quarantineDays: 30, recoveryGraceMs: 0, rateLimitPerMinute: 0, billing: DEFAULT_BILLING_SETTINGS, supplier: EXAMPLE_SUPPLIER, webhooks: TEST_WEBHOOK_SETTINGS, reservations: DEFAULT_RESERVATION_SETTINGS, ...settings },
    log: { info: () => {}, warn: () => {}, error: () => {} },
    tasks: new BackgroundTasks(),
    rateLimiter: createRateLimiter(database),
  };
  const app = await createApp(deps, { adminKey: TEST_ADMIN_KEY });
  t.after(async () => {
    await app.close();
    await deps.tasks.drain();
    await carrier.close();
    await testDatabase.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const api: TestContextApi = {
    app,
    deps,
    db: database.db,
    database,
    carrier,
    dir,
    urls: { database: testDatabase.url, carrier: `file:${join(dir, 'carrier.db')}` },
    advanceClock(ms) {
      offsetMs += ms;
    },
    async createAccount(options = {}) {
      const { account, apiKey } = await createAccount(deps, {
        name: options.name ?? `Account ${newUuid()}`,
        openingCreditCents: options.balance ?? 100_00,
      });
      const at = deps.clock().toISOString();
      const addressId = newUuid();
      const personId = newUuid();
      await insertAddress(database.db, {
        id: addressId,
        account_id: account.id,
        city: 'Sydney',
        state: 'NSW',
        postcode: '2000',
        country: 'Australia',
        street_name: 'George Street',
        created_at: at,
      });
      await insertPerson(database.db, {
        id: personId,
        account_id: account.id,
        name_1: 'Citizen',
        name_2: 'Jane',
        person_type: 'R',
        created_at: at,
      });
      // One statement for the four (a round trip each on PostgreSQL otherwise).
      await database.db
        .insertInto('destination')
        .values(
          TEST_DESTINATIONS.map(([route, destination]) => ({
            id: newId('dst'),
            account_id: account.id,
            route,
            destination,
            description: `${route} ${destination}`,
            enabled: 1,
            created_at: at,
          })),
        )
        .execute();
      return { accountId: account.id, key: apiKey, addressId, personId };
    },
    async createPeerApp() {
      const peerDatabase = testDatabase.reopen();
      const peerDeps: ServiceDeps = { ...deps, database: peerDatabase, rateLimiter: createRateLimiter(peerDatabase), tasks: new BackgroundTasks() };
      const peer = await createApp(peerDeps, { adminKey: TEST_ADMIN_KEY });
      t.after(async () => {
        await peer.close();
        await peerDeps.tasks.drain();
        await peerDatabase.close().catch(() => undefined); // a test may have closed it already
      });
      return { app: peer, database: peerDatabase };
    },
    async seedNumbers(numbers) {
      const at = deps.clock().toISOString();
      const rows: NewPhoneNumber[] = numbers.map((entry) => {
        const spec = typeof entry === 'string' ? { number: entry } : entry;
        const parsed = parseNumber(spec.number);
        if (!parsed) throw new Error(`test seed: invalid number ${spec.number}`);
        return {
          did_number: parsed.e164,
          country: parsed.country,
          number_type: parsed.numberType,
          state: spec.state === undefined ? (parsed.numberType === 'geographic' ? 'NSW' : null) : spec.state,
          city: spec.city === undefined ? (parsed.numberType === 'geographic' ? 'Sydney' : null) : spec.city,
          area_code: parsed.areaCode,
          setup_cost_cents: spec.setup ?? 500,
          monthly_cost_cents: spec.monthly ?? 1000,
          // Every row names every column: SQLite fills a column some rows of a batch leave out with NULL, not its default.
          carrier: spec.carrier ?? 'simulated',
          upstream_setup_cost_cents: spec.upstreamSetup ?? null,
          upstream_monthly_cost_cents: spec.upstreamSetup === undefined ? null : (spec.upstreamMonthly ?? 0),
          // Seeded numbers are priced one by one (the column's default), except those that follow a pricing rule.
          custom_price: spec.upstreamSetup !== undefined && !spec.ownPrice ? 0 : 1,
          status: 'available',
          block_premium: 0,
          created_at: at,
          updated_at: at,
        };
      });
      await insertNumbers(database.db, rows);
    },
    admin(method, path, options = {}) {
      return api.call(method, `/admin/v1${path}`, { ...options, headers: { ...ADMIN_HEADERS, ...(options.headers ?? {}) } });
    },
    async call(method, url, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.key) headers['x-crazytel-api-key'] = options.key;
      const response = await app.inject({
        method,
        url,
        headers,
        ...(options.query ? { query: options.query } : {}),
        ...(options.body !== undefined ? { payload: options.body as object | string } : {}),
      });
      let body: unknown = response.body;
      try {
        body = response.json();
      } catch {
        // Not JSON (e.g. the docs page): keep the text.
      }
      return { status: response.statusCode, body, headers: response.headers };
    },
  };
  return api;
}

/** A purchase body for the account, buying `didNumber` routed to its device 1000000. */
/**
 * What a server process needs to serve this test's database and carrier: the test's admin key, no
 * rate limit, no scheduled billing, and BILBY_CRASH_POINT when `crash` names a point.
 */
export function processEnv(ctx: Pick<TestContextApi, 'urls'>, crash?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BILBY_DATABASE_URL: ctx.urls.database,
    BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
    BILBY_ADMIN_KEY: TEST_ADMIN_KEY,
    BILBY_RATE_LIMIT_PER_MINUTE: '0',
    BILBY_BILLING_INTERVAL: 'off',
    ...extra,
    ...(crash ? { BILBY_CRASH_POINT: crash } : {}),
  };
}

export function purchaseBody(account: TestAccount, didNumber: string, extra: Record<string, unknown> = {}) {
  return {
    did_number: didNumber,
    address_id: account.addressId,
    person_id: account.personId,
    primary_route: 'device',
    primary_destination: '1000000',
    description: 'Main office line',
    ...extra,
  };
}
