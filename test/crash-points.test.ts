import assert from 'node:assert/strict';
import { request } from 'node:http';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CRASH_POINTS, type CrashPoint } from '../server/src/domain/crash-points.js';
import { createTestContext, purchaseBody } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { startServer } from './helpers/server-process.js';

/** What each crash must end as once recovery has asked the carrier. */
const CASES: Array<{ point: CrashPoint; carrierFails: boolean; expected: 'completed' | 'failed' }> = [
  { point: 'after_reserve', carrierFails: false, expected: 'failed' },
  { point: 'after_carrier_ok', carrierFails: false, expected: 'completed' },
  { point: 'after_carrier_failure', carrierFails: true, expected: 'failed' },
  { point: 'before_final_commit', carrierFails: false, expected: 'completed' },
];

describeEachDatabase('crash points', (dialect) => {
  it('covers every named crash point', () => {
    // The points after the final commit are in idempotent-crash.test.ts: there a retry's answer is what is tested.
    const afterCommit: CrashPoint[] = ['after_final_commit', 'before_idempotent_store'];
    // The release's point has a test of its own below (and in the reseller suite, with an upstream);
    // the point before upstream hears of a number's new IPND records is in the reseller routing suite,
    // as only a carrier that keeps them upstream reaches it.
    // The billing run's are in billing-crash.test.ts and billing-thread.test.ts; the restore's in restore-crash.test.ts.
    const ofTheirOwn: CrashPoint[] = [
      'after_carrier_release',
      'before_upstream_change',
      'before_billing_commit',
      'after_billing_batch',
      'before_billing_thread_commit',
      'after_restore_reserve',
      'after_restore_carrier_ok',
      'after_restore_commit',
    ];
    assert.deepEqual([...CASES.map((c) => c.point), ...afterCommit, ...ofTheirOwn].sort(), [...CRASH_POINTS].sort());
  });

  it('finishes a release killed after the carrier released the number, before the local update', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
    const env = {
      BILBY_DATABASE_URL: ctx.urls.database,
      BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
      BILBY_RATE_LIMIT_PER_MINUTE: '0',
      BILBY_RECOVERY_GRACE_MS: '0',
    };
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, '0291234567') })).status, 200);
    const doomed = await startServer([], { ...env, BILBY_CRASH_POINT: 'after_carrier_release' });
    const answer = await fetch(`${doomed.base}/api/v1/phone-numbers?did_number=61291234567`, {
      method: 'DELETE',
      headers: { 'x-crazytel-api-key': buyer.key },
    }).then(
      (res) => res.status,
      () => 'connection lost',
    );
    assert.equal(answer, 'connection lost');
    assert.equal(await doomed.exited, 'SIGKILL');
    const number = () => ctx.db.selectFrom('phone_number').select(['status', 'account_id']).where('did_number', '=', '61291234567').executeTakeFirstOrThrow();
    assert.deepEqual(await number(), { status: 'active', account_id: buyer.accountId }, 'the crash left the release half-done');
    assert.deepEqual(await ctx.carrier.listProvisioned(), [], 'the carrier had released it');

    const restarted = await startServer([], env);
    await restarted.stop();
    assert.equal((await number()).status, 'quarantine', 'recovery at start-up finished the release');
    const release = await ctx.db.selectFrom('release_order').select(['status']).executeTakeFirstOrThrow();
    assert.equal(release.status, 'completed');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('a SIGTERM while a purchase whose client left waits at the carrier exits only once it is completed', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 50_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
    const server = await startServer([], {
      BILBY_DATABASE_URL: ctx.urls.database,
      BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
      BILBY_RATE_LIMIT_PER_MINUTE: '0',
      BILBY_CARRIER_LATENCY_MS: '1500',
    });
    // The client's connection closes under the purchase (fetch's abort may keep it open for seconds).
    const client = request(`${server.base}/api/v1/phone-numbers/purchase`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.key },
    });
    client.on('error', () => {});
    client.end(JSON.stringify(purchaseBody(buyer, '0291234567')));
    for (let i = 0; i < 100 && !(await ctx.db.selectFrom('purchase_order').select('id').executeTakeFirst()); i++) await sleep(20);
    client.destroy();
    const pending = await ctx.db.selectFrom('purchase_order').selectAll().executeTakeFirstOrThrow();
    assert.equal(pending.status, 'pending', 'the purchase was at the carrier when its client left');

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const order = await ctx.db.selectFrom('purchase_order').selectAll().executeTakeFirstOrThrow();
    assert.equal(order.status, 'completed');
    assert.doesNotMatch(server.output(), /unknown outcome|not open/);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  for (const { point, carrierFails, expected } of CASES) {
    it(`settles a purchase killed ${point.replaceAll('_', ' ')} as ${expected} after restart`, async (t) => {
      const ctx = await createTestContext(t, dialect);
      const buyer = await ctx.createAccount({ balance: 50_00 });
      await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 10_00 }]);
      const env = {
        BILBY_DATABASE_URL: ctx.urls.database,
        BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
        BILBY_RATE_LIMIT_PER_MINUTE: '0',
        BILBY_RECOVERY_GRACE_MS: '0',
        BILBY_CARRIER_FAILURE_RATE: carrierFails ? '1' : '0',
      };
      const doomed = await startServer([], { ...env, BILBY_CRASH_POINT: point });
      const answer = await fetch(`${doomed.base}/api/v1/phone-numbers/purchase`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.key },
        body: JSON.stringify(purchaseBody(buyer, '0291234567')),
      }).then(
        (res) => res.status,
        () => 'connection lost',
      );
      assert.equal(answer, 'connection lost', 'the client never got an answer');
      assert.equal(await doomed.exited, 'SIGKILL');

      const orders = await ctx.db.selectFrom('purchase_order').selectAll().execute();
      assert.equal(orders.length, 1);
      assert.equal(orders[0]!.status, 'pending', 'the crash left the saga half-done');

      // A restarted server recovers at start-up.
      const restarted = await startServer([], env);
      await restarted.stop();
      const order = await ctx.db.selectFrom('purchase_order').selectAll().executeTakeFirstOrThrow();
      assert.equal(order.status, expected);
      const balance = await ctx.call('GET', '/api/v1/balance', { key: buyer.key });
      assert.deepEqual(
        [balance.body.balance, balance.body.available_balance],
        expected === 'completed' ? [35, 35] : [50, 50],
      );
      await assertInvariants(ctx.db, ctx.carrier, { settled: true });
    });
  }
});
