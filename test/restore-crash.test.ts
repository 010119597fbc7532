import assert from 'node:assert/strict';
import { it } from 'node:test';
import { recoverRestores } from '../server/src/services/restore-number.js';
import { createTestContext, processEnv, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';

const NUMBER = '61291234567';

async function restoreVia(server: ServerProcess, account: TestAccount, key: string): Promise<{ status: number; body: any } | 'connection lost'> {
  try {
    const response = await fetch(`${server.base}/api/v1/phone-numbers/${NUMBER}/restore`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.key}`, 'idempotency-key': key },
    });
    return { status: response.status, body: await response.json() };
  } catch {
    return 'connection lost';
  }
}

async function state(ctx: TestContextApi, account: TestAccount) {
  const number = await ctx.db.selectFrom('phone_number').select(['status', 'account_id']).where('did_number', '=', NUMBER).executeTakeFirstOrThrow();
  const restores = await ctx.db.selectFrom('restore_order').select('status').orderBy('created_at').execute();
  const funds = await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).where('id', '=', account.accountId).executeTakeFirstOrThrow();
  return {
    number: number.status,
    owner: number.account_id === account.accountId,
    restores: restores.map((row) => row.status),
    funds: [Number(funds.balance_cents), Number(funds.held_cents)],
  };
}

describeEachDatabase('a restore killed as kill -9 would', (dialect) => {
  it('is finished by recovery from the carrier\'s records: failed when the carrier was never asked, completed when it provisioned, answered again after its commit', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: NUMBER, setup: 0, monthly: 10_00 }]);
    const owner = await ctx.createAccount({ balance: 50_00 });
    assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: owner.key, body: purchaseBody(owner, NUMBER) })).status, 200);
    assert.equal((await ctx.call('DELETE', '/api/v1/phone-numbers', { key: owner.key, body: { did_number: NUMBER } })).status, 200);
    // Recovery is this test's own, run when it chooses.
    const env = (crash?: string) => processEnv(ctx, crash, { BILBY_RECOVERY_INTERVAL_MS: '86400000' });
    const balance = 50_00 - 10_00;

    // Killed before the carrier was asked: recovery finds nothing there and fails the restore.
    const reserved = await startServer([], env('after_restore_reserve'));
    assert.equal(await restoreVia(reserved, owner, 'first'), 'connection lost');
    assert.equal(await reserved.exited, 'SIGKILL');
    assert.deepEqual(await state(ctx, owner), { number: 'reserved', owner: true, restores: ['pending'], funds: [balance, 0] });
    await assertInvariants(ctx.db, null);
    assert.deepEqual(await recoverRestores(ctx.deps), { completed: 0, failed: 1, unresolved: 0 });
    assert.deepEqual(await state(ctx, owner), { number: 'quarantine', owner: false, restores: ['failed'], funds: [balance, 0] });
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });

    // Killed after the carrier provisioned it again: recovery completes it, once.
    const provisioned = await startServer([], env('after_restore_carrier_ok'));
    assert.equal(await restoreVia(provisioned, owner, 'second'), 'connection lost');
    assert.equal(await provisioned.exited, 'SIGKILL');
    assert.deepEqual((await state(ctx, owner)).restores, ['failed', 'pending']);
    assert.deepEqual(await recoverRestores(ctx.deps), { completed: 1, failed: 0, unresolved: 0 });
    assert.deepEqual(await recoverRestores(ctx.deps), { completed: 0, failed: 0, unresolved: 0 }, 'settled once');
    assert.deepEqual(await state(ctx, owner), { number: 'active', owner: true, restores: ['failed', 'completed'], funds: [balance, 0] });
    assert.deepEqual(await ctx.carrier.listProvisioned(), [NUMBER]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });

    // Released and restored again, killed after the commit and before answering: the retry with
    // the same key is answered by the restore that happened.
    assert.equal((await ctx.call('DELETE', '/api/v1/phone-numbers', { key: owner.key, body: { did_number: NUMBER } })).status, 200);
    const committed = await startServer([], env('after_restore_commit'));
    assert.equal(await restoreVia(committed, owner, 'third'), 'connection lost');
    assert.equal(await committed.exited, 'SIGKILL');
    const restartedServer = await startServer([], env());
    t.after(() => restartedServer.stop());
    const retried = await restoreVia(restartedServer, owner, 'third');
    assert.notEqual(retried, 'connection lost');
    if (retried === 'connection lost') return;
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const restores = await ctx.db.selectFrom('restore_order').select(['id', 'status']).orderBy('created_at').execute();
    assert.deepEqual(restores.map((row) => row.status), ['failed', 'completed', 'completed']);
    assert.equal(retried.body.restore_id, restores[2]!.id);
    assert.deepEqual((await state(ctx, owner)).funds, [balance, 0]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
