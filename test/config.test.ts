import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../server/src/config.js';
import { SYSTEM_SOURCE } from '../server/src/domain/number-event.js';
import { purchaseNumber } from '../server/src/services/purchase-number.js';
import { recoverOrders } from '../server/src/services/recover-orders.js';
import { createTestContext, purchaseBody } from './helpers/context.js';

describe('configuration', () => {
  it('has a PostgreSQL pool of 10 connections per process unless told otherwise', () => {
    assert.equal(loadConfig({}).databasePoolSize, 10);
    assert.equal(loadConfig({ BILBY_DATABASE_POOL_SIZE: '3' }).databasePoolSize, 3);
  });

  it('gives slow clients 30 s for headers, 60 s for a JSON body and 60 s of silence in any body unless told otherwise', () => {
    const defaults = loadConfig({});
    assert.deepEqual(
      [defaults.headersTimeoutMs, defaults.bodyTimeoutMs, defaults.bodyIdleTimeoutMs, defaults.keepAliveTimeoutMs],
      [30_000, 60_000, 60_000, 72_000],
    );
    assert.equal(loadConfig({ BILBY_BODY_IDLE_TIMEOUT_MS: '1000' }).bodyIdleTimeoutMs, 1_000);
    assert.throws(
      () => loadConfig({ BILBY_HEADERS_TIMEOUT_MS: '0', BILBY_BODY_TIMEOUT_MS: 'soon', BILBY_BODY_IDLE_TIMEOUT_MS: '1.5', BILBY_KEEP_ALIVE_TIMEOUT_MS: '-1' }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 4,
    );
  });

  it('reconciles the carrier once a day unless told otherwise, and never on its own with 0', () => {
    assert.equal(loadConfig({}).reconcileIntervalMs, 86_400_000);
    assert.equal(loadConfig({ BILBY_RECONCILE_INTERVAL_MS: '0' }).reconcileIntervalMs, 0);
    assert.equal(loadConfig({ BILBY_RECONCILE_INTERVAL_MS: '3600000' }).reconcileIntervalMs, 3_600_000);
    assert.throws(
      () => loadConfig({ BILBY_RECONCILE_INTERVAL_MS: 'daily', PORT: 'x' }),
      (error: unknown) => error instanceof ConfigError && error.problems.some((problem) => problem.startsWith('BILBY_RECONCILE_INTERVAL_MS')) && error.problems.length === 2,
    );
  });

  it('reports every bad variable at once', () => {
    assert.throws(
      () => loadConfig({ BILBY_DATABASE_POOL_SIZE: '0', PORT: 'eighty', BILBY_CARRIER_FAILURE_RATE: '2' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.problems.map((problem) => problem.split(' ')[0]).sort(),
          ['BILBY_CARRIER_FAILURE_RATE', 'BILBY_DATABASE_POOL_SIZE', 'PORT'],
        );
        return true;
      },
    );
  });

  it('reads the crazytel carrier\'s upstream settings, with CrazyTel\'s own URL and 60 requests a minute by default', () => {
    const config = loadConfig({ BILBY_CARRIER: 'crazytel', BILBY_UPSTREAM_API_KEY: 'reseller-key', BILBY_UPSTREAM_DESTINATION: 'SIP.Reseller.example:5060' });
    assert.equal(config.carrier.kind, 'crazytel');
    assert.deepEqual(config.upstream, {
      url: 'https://crazytel.io',
      apiKey: 'reseller-key',
      ratePerMinute: 60,
      route: 'server',
      destination: 'sip.reseller.example:5060',
      requestTimeoutMs: 30_000,
      syncIntervalMs: null,
    });
    assert.ok(config.recoveryGraceMs > 3 * (config.carrier.timeoutMs + 30_000), 'recovery waits past a purchase of three upstream requests');
    assert.equal(loadConfig({ BILBY_CARRIER: 'crazytel', BILBY_UPSTREAM_API_KEY: 'k', BILBY_UPSTREAM_ROUTE: 'congestion' }).upstream?.destination, null);
    assert.equal(loadConfig({}).upstream, undefined, 'the simulated carrier has no upstream');
  });

  it('syncs the upstream catalogue every BILBY_UPSTREAM_SYNC_INTERVAL, given with a unit or in seconds, or never (the default)', () => {
    const interval = (value: string | undefined) =>
      loadConfig({ BILBY_CARRIER: 'crazytel', BILBY_UPSTREAM_API_KEY: 'k', BILBY_UPSTREAM_DESTINATION: 'sip.example', ...(value === undefined ? {} : { BILBY_UPSTREAM_SYNC_INTERVAL: value }) })
        .upstream?.syncIntervalMs;
    const cases: Array<[string | undefined, number | null]> = [
      [undefined, null],
      ['', null],
      ['off', null],
      ['OFF', null],
      ['0', null],
      ['6h', 6 * 3_600_000],
      ['30m', 30 * 60_000],
      ['90s', 90_000],
      ['1d', 86_400_000],
      ['3600', 3_600_000],
      [' 2H ', 2 * 3_600_000],
      ['1m', 60_000],
      ['30d', 30 * 86_400_000],
    ];
    for (const [value, ms] of cases) assert.equal(interval(value), ms, String(value));
  });

  it('reports a sync interval that is no duration, or too short or long, with the other bad variables', () => {
    for (const value of ['soon', '6 hours', '-1h', '1.5h', '59s', '59', '31d', 'h']) {
      assert.throws(
        () => loadConfig({ BILBY_CARRIER: 'crazytel', BILBY_UPSTREAM_API_KEY: 'k', BILBY_UPSTREAM_DESTINATION: 'sip.example', BILBY_UPSTREAM_SYNC_INTERVAL: value, PORT: 'x' }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.problems.length === 2 &&
          error.problems.some((problem) => problem.startsWith('PORT')) &&
          error.problems.some((problem) => problem.startsWith(`BILBY_UPSTREAM_SYNC_INTERVAL must be a duration from 1m to 30d, like 6h, 30m or 3600 (seconds), or off (got "${value}")`)),
        value,
      );
    }
  });

  it('bills in BILBY_BILLING_TIME_ZONE every BILBY_BILLING_INTERVAL (hourly by default, or off), suspends for BILBY_SUSPEND_DAYS, and lets a release be undone for BILBY_RELEASE_GRACE_DAYS', () => {
    assert.deepEqual(loadConfig({}).billing, { timeZone: 'Australia/Sydney', intervalMs: 3_600_000, suspendDays: 14, releaseGraceDays: 7 });
    assert.deepEqual(
      loadConfig({ BILBY_BILLING_TIME_ZONE: 'Australia/Perth', BILBY_BILLING_INTERVAL: '15m', BILBY_SUSPEND_DAYS: '0', BILBY_RELEASE_GRACE_DAYS: '0' }).billing,
      { timeZone: 'Australia/Perth', intervalMs: 900_000, suspendDays: 0, releaseGraceDays: 0 },
    );
    assert.throws(() => loadConfig({ BILBY_RELEASE_GRACE_DAYS: '29' }), (error: unknown) => error instanceof ConfigError && error.problems.some((problem) => problem.startsWith('BILBY_RELEASE_GRACE_DAYS')));
    assert.equal(loadConfig({ BILBY_BILLING_INTERVAL: 'off' }).billing.intervalMs, null);
    assert.throws(
      () => loadConfig({ BILBY_BILLING_TIME_ZONE: 'Sydney/Moon', BILBY_BILLING_INTERVAL: 'soon', BILBY_SUSPEND_DAYS: '-1' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 3 &&
        error.problems.some((problem) => problem.startsWith('BILBY_BILLING_TIME_ZONE must be an IANA time zone')) &&
        error.problems.some((problem) => problem.startsWith('BILBY_BILLING_INTERVAL must be a duration')) &&
        error.problems.some((problem) => problem.startsWith('BILBY_SUSPEND_DAYS')),
    );
  });

  it('reports every missing or bad upstream setting with the others at start', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems;
      }
      return [];
    };
    const missing = problems({ BILBY_CARRIER: 'crazytel', PORT: 'x' });
    assert.deepEqual(missing.map((problem) => problem.split(' ')[0]).sort(), ['BILBY_UPSTREAM_API_KEY', 'BILBY_UPSTREAM_DESTINATION', 'PORT']);
    const bad = problems({
      BILBY_CARRIER: 'crazytel',
      BILBY_UPSTREAM_URL: 'ftp://crazytel.io',
      BILBY_UPSTREAM_API_KEY: 'has spaces',
      BILBY_UPSTREAM_RATE_PER_MINUTE: '0',
      BILBY_UPSTREAM_ROUTE: 'pigeon',
      BILBY_UPSTREAM_TIMEOUT_MS: 'soon',
    });
    assert.deepEqual(bad.map((problem) => problem.split(' ')[0]).sort(), [
      'BILBY_UPSTREAM_API_KEY',
      'BILBY_UPSTREAM_DESTINATION',
      'BILBY_UPSTREAM_RATE_PER_MINUTE',
      'BILBY_UPSTREAM_ROUTE',
      'BILBY_UPSTREAM_TIMEOUT_MS',
      'BILBY_UPSTREAM_URL',
    ]);
    assert.match(bad.find((problem) => problem.startsWith('BILBY_UPSTREAM_ROUTE'))!, /one of device, server, congestion/);
    assert.deepEqual(problems({ BILBY_CARRIER: 'crazytel', BILBY_UPSTREAM_API_KEY: 'k', BILBY_UPSTREAM_ROUTE: 'device', BILBY_UPSTREAM_DESTINATION: '12' }).length, 1);
    assert.match(problems({ BILBY_CARRIER: 'carrier-pigeon' })[0]!, /BILBY_CARRIER must be "simulated" or "crazytel"/);
  });

  it('reports a carrier database that names no file together with the other bad variables', () => {
    assert.throws(
      () => loadConfig({ BILBY_CARRIER_DATABASE_URL: 'file:', PORT: 'eighty' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.deepEqual(
          error.problems.map((problem) => problem.split(/[ :]/)[0]).sort(),
          ['BILBY_CARRIER_DATABASE_URL', 'PORT'],
        );
        assert.match(error.message, /BILBY_CARRIER_DATABASE_URL/);
        assert.match(error.message, /PORT/);
        return true;
      },
    );
    assert.equal(loadConfig({ BILBY_CARRIER_DATABASE_URL: 'file:/tmp/books.db' }).carrier.databasePath, '/tmp/books.db');
  });

  it('waits longer before recovery than the carrier timeout plus the longest provisioning, however they are set', () => {
    for (const env of [{}, { BILBY_CARRIER_TIMEOUT_MS: '100' }, { BILBY_CARRIER_TIMEOUT_MS: '60000', BILBY_CARRIER_LATENCY_MS: '5000' }]) {
      const config = loadConfig(env);
      assert.equal(config.carrier.longestProvisionMs, config.carrier.latencyMs + config.carrier.hangMs);
      assert.ok(config.recoveryGraceMs >= config.carrier.timeoutMs + config.carrier.longestProvisionMs + 30_000, JSON.stringify(env));
    }
    assert.equal(loadConfig({ BILBY_RECOVERY_GRACE_MS: '0' }).recoveryGraceMs, 0, 'an operator may still choose');
  });

  it('with the default grace, recovery leaves alone an order whose carrier is still provisioning it', async (t) => {
    const config = loadConfig({ BILBY_CARRIER_TIMEOUT_MS: '100' });
    const ctx = await createTestContext(t, 'sqlite', { carrierTimeoutMs: config.carrier.timeoutMs, recoveryGraceMs: config.recoveryGraceMs });
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers(['0291234567']);
    ctx.carrier.inject({ kind: 'hang', ms: config.carrier.hangMs });
    const answer = await purchaseNumber(ctx.deps, buyer.accountId, purchaseBody(buyer, '0291234567'), SYSTEM_SOURCE).catch((e: { code?: string }) => e.code);
    assert.equal(answer, 'upstream_pending');
    // Recovery's pass as the hang ends: the carrier is about to provision.
    ctx.advanceClock(config.carrier.hangMs);
    const report = await recoverOrders(ctx.deps);
    assert.deepEqual(report, { completed: 0, failed: 0, unresolved: 0 });
    await ctx.deps.tasks.drain();
    const order = await ctx.db.selectFrom('purchase_order').select('status').executeTakeFirstOrThrow();
    assert.equal(order.status, 'completed');
    assert.deepEqual(await ctx.carrier.listProvisioned(), ['61291234567'], 'provisioned once, never released');
  });
});
