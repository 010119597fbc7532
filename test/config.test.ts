import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../server/src/config.js';
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
    const answer = await purchaseNumber(ctx.deps, buyer.accountId, purchaseBody(buyer, '0291234567')).catch((e: { code?: string }) => e.code);
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
