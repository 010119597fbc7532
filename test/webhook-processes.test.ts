import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestContext, processEnv, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { holdsSocket, startServer, type ServerProcess } from './helpers/server-process.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

/** Real processes delivering: a kill -9 while a delivery is in flight, and two processes sharing the queue. */

const WEBHOOK_ENV = { BILBY_WEBHOOK_ALLOW_PRIVATE: 'true', BILBY_WEBHOOK_TIMEOUT_MS: '1000', BILBY_WEBHOOK_POLL_MS: '20' };

async function endpointFor(ctx: TestContextApi, account: TestAccount, url: string): Promise<string> {
  const answer = await ctx.call('POST', '/api/v1/webhooks', { key: account.key, body: { url, events: ['*'] } });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body.id as string;
}

async function buy(ctx: TestContextApi, account: TestAccount, did: string): Promise<void> {
  const answer = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, did) });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

async function pendingDeliveries(ctx: TestContextApi): Promise<number> {
  const row = await ctx.db.selectFrom('webhook_delivery').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
  return Number(row.n);
}

async function serve(t: { after(fn: () => Promise<void>): void }, ctx: TestContextApi, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServer([], processEnv(ctx, undefined, { ...WEBHOOK_ENV, ...env }));
  t.after(() => server.stop());
  return server;
}

describeEachDatabase('webhook delivery by server processes', (dialect) => {
  it('sends a delivery again after the process sending it is killed -9 before its receiver answered', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const receiver = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: '61291234501', setup: 1_00, monthly: 2_00 }]);
    const endpointId = await endpointFor(ctx, buyer, receiver.url);
    receiver.otherwise = 'hang';
    const first = await serve(t, ctx);
    await buy(ctx, buyer, '61291234501');
    await receiver.waitFor(1);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    receiver.otherwise = { status: 200 };

    await serve(t, ctx);
    // The killed process held the delivery for twice its timeout and 5 s: then another takes it.
    await receiver.waitFor(2, 30_000);
    const [cut, resent] = receiver.deliveries;
    assert.equal(resent!.eventId, cut!.eventId, 'the same event again');
    assert.equal(resent!.body, cut!.body);
    for (let i = 0; i < 100 && (await pendingDeliveries(ctx)) > 0; i += 1) await sleep(50);
    const log = await ctx.call('GET', `/api/v1/webhooks/${endpointId}/attempts`, { key: buyer.key });
    assert.deepEqual(
      log.body.results.map((a: { status_code: number; delivery_status: string }) => [a.status_code, a.delivery_status]),
      [[200, 'delivered']],
      'the killed attempt left no record; the second is the one logged',
    );
  });

  it('two processes share the queue: every event delivered once, never one event twice at once, each number’s in order', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const receiver = await startWebhookReceiver(t);
    receiver.otherwise = { status: 200, delayMs: 20 };
    const buyer = await ctx.createAccount({ balance: 1_000_00 });
    const numbers = Array.from({ length: 20 }, (_, i) => `612912345${String(i).padStart(2, '0')}`);
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 1_00, monthly: 2_00 })));
    await endpointFor(ctx, buyer, receiver.url);
    for (const number of numbers) await buy(ctx, buyer, number);
    for (let round = 0; round < 2; round += 1) {
      for (const number of numbers) {
        const answer = await ctx.call('PATCH', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: number, description: `round ${round}` } });
        assert.equal(answer.status, 200);
      }
    }
    const events = await ctx.db.selectFrom('account_event').select(['id', 'did_number', 'seq']).where('account_id', '=', buyer.accountId).orderBy('seq').execute();
    assert.equal(events.length, 60);

    // Each process sends at most 4 at once, fewer than the numbers whose events are due: the other takes the rest.
    // A receiver's answer may take seconds on a loaded machine: a timeout here would be a retry, not what this test is about.
    const env = { BILBY_WEBHOOK_CONCURRENCY: '4', BILBY_WEBHOOK_TIMEOUT_MS: '10000' };
    const servers = await Promise.all([serve(t, ctx, env), serve(t, ctx, env)]);
    await receiver.waitFor(events.length, 60_000);
    // Which process sent each delivery: the one holding the connection's other end (kept alive).
    const senders = receiver.deliveries.map((d) => servers.findIndex((server) => holdsSocket(server.child.pid!, d.senderPort, '01')));
    for (let i = 0; i < 200 && (await pendingDeliveries(ctx)) > 0; i += 1) await sleep(50);
    await sleep(300); // Time for a duplicate, were one to come.
    const failures = await ctx.db.selectFrom('webhook_attempt').select(['event_seq', 'status_code', 'error']).where('error', 'is not', null).execute();
    assert.equal(await pendingDeliveries(ctx), 0, `failed attempts: ${JSON.stringify(failures)}\n${servers.map((server) => server.output()).join('\n---\n')}`);
    const logs = () => servers.map((server) => server.output()).join('\n---\n');
    assert.equal(receiver.deliveries.length, events.length, `no event sent twice: ${JSON.stringify(receiver.deliveries.map((d) => [d.eventId.slice(-6), d.headers['bilby-delivery-attempt'], d.receivedAt]))}\n${logs()}`);
    assert.deepEqual(new Set(receiver.deliveries.map((d) => d.eventId)), new Set(events.map((e) => e.id)));
    assert.equal(Math.max(...receiver.deliveries.map((d) => d.concurrentOfEvent)), 1);
    for (const number of numbers) {
      const arrived = receiver.deliveries.filter((d) => JSON.parse(d.body).did_number === number).map((d) => d.eventId);
      assert.deepEqual(arrived, events.filter((e) => e.did_number === number).map((e) => e.id), `${number}'s events in their order`);
    }
    t.diagnostic(`deliveries by process: ${senders.filter((s) => s === 0).length} and ${senders.filter((s) => s === 1).length}`);
    if (senders.every((sender) => sender !== -1)) {
      assert.deepEqual(new Set(senders), new Set([0, 1]), `both processes delivered (${senders.filter((s) => s === 0).length} and ${senders.filter((s) => s === 1).length})`);
    } else {
      t.diagnostic('/proc cannot tell which process sent each delivery here: the share of each is not checked');
    }
  });
});
