import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { createClient } from '../sdk/src/index.js';
import { pruneOldEvents } from '../server/src/services/account-events.js';
import { createTestContext, IMMEDIATE_RESALE, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const FIRST = '61291234501';
const SECOND = '61291234502';
const THIRD = '61291234503';

async function buy(ctx: TestContextApi, account: TestAccount, did: string) {
  return ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, did) });
}

async function events(ctx: TestContextApi, account: TestAccount, query: Record<string, string> = {}) {
  const answer = await ctx.call('GET', '/api/v1/events/', { key: account.key, query });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as { results: Array<{ id: string; cursor: string; kind: string; did_number: string | null; data: Record<string, any>; created_at: string }>; next_cursor: string | null };
}

async function seqsOf(ctx: TestContextApi, account: TestAccount): Promise<number[]> {
  const rows = await ctx.db.selectFrom('account_event').select('seq').where('account_id', '=', account.accountId).orderBy('seq').execute();
  return rows.map((row) => Number(row.seq));
}

describeEachDatabase('account events', (dialect) => {
  it("writes each change's event with the change, in the order the account's changes committed; lists them after a cursor; others see none", async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    const stranger = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([FIRST, SECOND].map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    const actor = `api_key:${(await ctx.db.selectFrom('api_key').select('id').where('account_id', '=', buyer.accountId).executeTakeFirstOrThrow()).id}`;

    const bought = await buy(ctx, buyer, FIRST);
    assert.equal(bought.status, 200, JSON.stringify(bought.body));
    ctx.carrier.inject({ kind: 'fail' });
    const refused = await buy(ctx, buyer, SECOND);
    assert.notEqual(refused.status, 200);
    const routed = await ctx.call('PATCH', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: FIRST, primary_route: 'voicemail', primary_destination: '2000' } });
    assert.equal(routed.status, 200, JSON.stringify(routed.body));
    const badRoute = await ctx.call('PATCH', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: FIRST, primary_route: 'device', primary_destination: 'no-such-device' } });
    assert.ok(badRoute.status >= 400 && badRoute.status < 500, JSON.stringify(badRoute.body));
    const released = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: FIRST } });
    assert.equal(released.status, 200, JSON.stringify(released.body));

    const all = await events(ctx, buyer);
    assert.deepEqual(
      all.results.map((e) => [e.kind, e.did_number]),
      [
        ['number.purchased', FIRST],
        ['purchase.failed', SECOND],
        ['number.updated', FIRST],
        ['number.released', FIRST],
      ],
      'the refused update wrote nothing',
    );
    const [purchased, failed, updated, releasedEvent] = all.results;
    assert.deepEqual(
      [purchased!.data.order_id, purchased!.data.amount, purchased!.data.actor, purchased!.data.request_id],
      [bought.body.order_id, 12.5, actor, bought.headers['x-request-id']],
      'the purchase: its order, its charge in dollars, who asked and in which request',
    );
    assert.equal(purchased!.data.configuration.primary_destination, purchaseBody(buyer, FIRST).primary_destination ?? null);
    assert.deepEqual([failed!.data.order_id, typeof failed!.data.failure_code], [refused.body.order_id, 'string']);
    assert.deepEqual(
      [updated!.data.change, updated!.data.changes.primary_route, updated!.data.actor],
      ['routing_changed', { before: purchaseBody(buyer, FIRST).primary_route ?? 'device', after: 'voicemail' }, actor],
    );
    assert.equal(releasedEvent!.data.actor, actor);
    assert.deepEqual(await seqsOf(ctx, buyer), [1, 2, 3, 4], 'numbered from 1 without a gap');
    assert.equal(new Set(all.results.map((e) => e.id)).size, 4);

    const afterFirst = await events(ctx, buyer, { after: purchased!.cursor });
    assert.deepEqual(afterFirst.results.map((e) => e.id), all.results.slice(1).map((e) => e.id));
    const onePage = await events(ctx, buyer, { after: purchased!.cursor, limit: '2' });
    assert.deepEqual(onePage.results.map((e) => e.kind), ['purchase.failed', 'number.updated']);
    const nextPage = await events(ctx, buyer, { after: purchased!.cursor, cursor: onePage.next_cursor!, limit: '2' });
    assert.deepEqual(nextPage.results.map((e) => e.kind), ['number.released'], 'the page cursor takes over from after');
    assert.deepEqual((await events(ctx, buyer, { after: releasedEvent!.cursor })).results, [], 'nothing after the last');
    assert.deepEqual((await events(ctx, stranger)).results, [], "another account sees nothing of the buyer's");
    for (const after of ['not-a-cursor', Buffer.from('v1:abc').toString('base64url'), Buffer.from('v1:-1').toString('base64url'), Buffer.from(`v1:${'9'.repeat(40)}`).toString('base64url')]) {
      const forged = await ctx.call('GET', '/api/v1/events/', { key: buyer.key, query: { after } });
      assert.deepEqual([forged.status, forged.body.code], [400, 'invalid_request'], after);
    }
    const anonymous = await ctx.call('GET', '/api/v1/events/', { key: null });
    assert.equal(anonymous.status, 401);
  });

  it('tells a purchase the carrier has not confirmed as purchase.pending, then number.purchased when it settles', async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 50 });
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([FIRST]);
    ctx.carrier.inject({ kind: 'hang', ms: 300 });
    const pending = await buy(ctx, buyer, FIRST);
    assert.equal(pending.body.code, 'upstream_pending', JSON.stringify(pending.body));
    await ctx.deps.tasks.drain();
    const kinds = (await events(ctx, buyer)).results.map((e) => [e.kind, e.data.order_id]);
    assert.deepEqual(kinds, [
      ['purchase.pending', pending.body.order_id],
      ['number.purchased', pending.body.order_id],
    ]);
  });

  it('numbers the events of purchases racing from two server processes 1..n, one number.purchased per completed order', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const peer = await ctx.createPeerApp();
    const buyer = await ctx.createAccount({ balance: 1_000_00 });
    const dids = Array.from({ length: 24 }, (_, i) => `612912346${String(i).padStart(2, '0')}`);
    await ctx.seedNumbers(dids.map((number) => ({ number, setup: 0, monthly: 1_00 })));
    const answers = await Promise.all(
      dids.map((did, i) =>
        i % 2 === 0
          ? buy(ctx, buyer, did)
          : peer.app.inject({ method: 'POST', url: '/api/v1/phone-numbers/purchase', headers: { 'x-crazytel-api-key': buyer.key }, payload: purchaseBody(buyer, did) }).then((r) => ({ status: r.statusCode })),
      ),
    );
    assert.deepEqual(answers.map((a) => a.status), Array(24).fill(200));
    assert.deepEqual(await seqsOf(ctx, buyer), Array.from({ length: 24 }, (_, i) => i + 1));
    const purchased = (await events(ctx, buyer, { limit: '1000' })).results.filter((e) => e.kind === 'number.purchased');
    const orders = await ctx.db.selectFrom('purchase_order').select('id').where('account_id', '=', buyer.accountId).where('status', '=', 'completed').execute();
    assert.deepEqual(purchased.map((e) => e.data.order_id).sort(), orders.map((o) => o.id).sort());
  });

  it('keeps events 30 days; the SDK follows the stream from a cursor', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([FIRST, SECOND, THIRD]);
    assert.equal((await buy(ctx, buyer, FIRST)).status, 200);

    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const client = createClient({ baseUrl: `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`, apiKey: buyer.key });
    const stop = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const event of client.events.follow({ intervalMs: 20, signal: stop.signal })) {
        seen.push(`${event.kind} ${event.did_number}`);
        if (seen.length === 3) stop.abort();
      }
    })();
    assert.equal((await buy(ctx, buyer, SECOND)).status, 200);
    assert.equal((await buy(ctx, buyer, THIRD)).status, 200);
    await following;
    assert.deepEqual(seen, [`number.purchased ${FIRST}`, `number.purchased ${SECOND}`, `number.purchased ${THIRD}`]);
    const listed = [];
    for await (const event of client.events.list({ limit: 2 })) listed.push(event.did_number);
    assert.deepEqual(listed, [FIRST, SECOND, THIRD], 'the list pages through every event');

    assert.equal(await pruneOldEvents(ctx.deps), 0, 'nothing is 30 days old');
    ctx.advanceClock(31 * 86_400_000);
    assert.equal(await pruneOldEvents(ctx.deps), 3);
    assert.deepEqual((await events(ctx, buyer)).results, []);
    assert.equal((await buy(ctx, buyer, FIRST)).status >= 400, true, 'the number is still the buyer’s');
    assert.deepEqual(await seqsOf(ctx, buyer), [], 'the stream keeps counting where it was');
    const released = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: FIRST } });
    assert.equal(released.status, 200);
    assert.deepEqual(await seqsOf(ctx, buyer), [4], 'numbers are never given twice, pruned or not');
  });
});
