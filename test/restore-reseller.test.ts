import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TestAccount, TestContextApi } from './helpers/context.js';
import { createTestContext } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertAgreesWithUpstream, buy, NUMBERS, ownedUpstream, startReseller } from './helpers/reseller-suite.js';
import type { ServerProcess } from './helpers/server-process.js';
import { startUpstream, UPSTREAM_PRICE } from './helpers/upstream.js';

const PURCHASE_PATH = 'POST /api/v1/phone-numbers/purchase';

async function call(server: ServerProcess, buyer: TestAccount, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${buyer.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

async function mirroredId(ctx: TestContextApi, kind: 'address' | 'person', localId: string): Promise<string> {
  const row = await ctx.db.selectFrom('upstream_record').select('upstream_id').where('kind', '=', kind).where('local_id', '=', localId).executeTakeFirstOrThrow();
  return row.upstream_id;
}

describeEachDatabase('restoring a released number in reseller mode', (dialect) => {
  it("buys it upstream again with the buyer's mirrored records, in one upstream call, and both sides agree after", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers(NUMBERS.map((number) => ({ number, setup: 5_00, monthly: 10_00, carrier: 'crazytel' as const })));
    // An upstream that puts a released number straight back on sale: a Bilby with grace days and a
    // quarantine keeps it from its own reseller too (the next test).
    const upstream = await startUpstream(t, { numbers: NUMBERS, env: { BILBY_QUARANTINE_DAYS: '0', BILBY_RELEASE_GRACE_DAYS: '0' } });
    const server = await startReseller(t, ctx, upstream);
    const did = NUMBERS[0]!;

    const bought = await buy(server, buyer, did);
    assert.equal(bought.status, 200, JSON.stringify(bought.body));
    const released = await call(server, buyer, 'DELETE', '/api/v1/phone-numbers', { did_number: did });
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.deepEqual(await ownedUpstream(upstream), [], 'released upstream');
    const upstreamBalance = (await upstream.reseller.balance()).balance;
    const balance = Number((await ctx.db.selectFrom('account').select('balance_cents').where('id', '=', buyer.accountId).executeTakeFirstOrThrow()).balance_cents);

    upstream.proxy.requests.length = 0;
    const restored = await call(server, buyer, 'POST', `/api/v1/phone-numbers/${did}/restore`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.charged, 0, 'back within its paid month');
    assert.deepEqual(upstream.proxy.requests, [PURCHASE_PATH], 'one purchase call: the records are mirrored already');
    assert.deepEqual(await ownedUpstream(upstream), [did]);
    const there = await upstream.reseller.numbers.get(did);
    assert.deepEqual(
      [there.address_id, there.person_id],
      [await mirroredId(ctx, 'address', buyer.addressId), await mirroredId(ctx, 'person', buyer.personId)],
      "upstream has it with the buyer's mirrored records",
    );
    assert.equal((await upstream.reseller.balance()).balance, upstreamBalance - UPSTREAM_PRICE.cents / 100, 'upstream charged the reseller for buying it again');
    const after = await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).where('id', '=', buyer.accountId).executeTakeFirstOrThrow();
    assert.deepEqual([Number(after.balance_cents), Number(after.held_cents)], [balance, 0]);
    const number = await ctx.db.selectFrom('phone_number').select(['status', 'account_id']).where('did_number', '=', did).executeTakeFirstOrThrow();
    assert.deepEqual(number, { status: 'active', account_id: buyer.accountId });
    await server.stop();
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it("an upstream that keeps the released number in its own quarantine refuses it: not_restorable, nothing charged on either side, the number back in quarantine", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers(NUMBERS.map((number) => ({ number, setup: 5_00, monthly: 10_00, carrier: 'crazytel' as const })));
    const upstream = await startUpstream(t, { numbers: NUMBERS });
    const server = await startReseller(t, ctx, upstream);
    const did = NUMBERS[0]!;
    assert.equal((await buy(server, buyer, did)).status, 200);
    assert.equal((await call(server, buyer, 'DELETE', '/api/v1/phone-numbers', { did_number: did })).status, 200);
    const upstreamBalance = (await upstream.reseller.balance()).balance;

    const refused = await call(server, buyer, 'POST', `/api/v1/phone-numbers/${did}/restore`);
    assert.deepEqual([refused.status, refused.body.code], [409, 'not_restorable'], JSON.stringify(refused.body));
    assert.equal((await upstream.reseller.balance()).balance, upstreamBalance);
    const account = await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).where('id', '=', buyer.accountId).executeTakeFirstOrThrow();
    assert.deepEqual([Number(account.balance_cents), Number(account.held_cents)], [100_00 - 15_00, 0]);
    const number = await ctx.db.selectFrom('phone_number').select('status').where('did_number', '=', did).executeTakeFirstOrThrow();
    assert.equal(number.status, 'quarantine');
    await server.stop();
    await assertAgreesWithUpstream(ctx, upstream);
  });
});
