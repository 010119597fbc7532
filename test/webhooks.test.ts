import assert from 'node:assert/strict';
import { it } from 'node:test';
import { verifyWebhook, WebhookSignatureError } from '../sdk/src/index.js';
import { deliverDueWebhooks } from '../server/src/services/deliver-webhooks.js';
import { createWebhookPoster, type WebhookPoster } from '../server/src/services/post-webhook.js';
import { createTestContext, IMMEDIATE_RESALE, purchaseBody, TEST_WEBHOOK_SETTINGS, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

const FIRST = '61291234501';
const SECOND = '61291234502';
const HOUR_MS = 3_600_000;

interface Endpoint {
  id: string;
  secret: string;
  status: string;
  events: string[];
  failing_since: string | null;
  disabled_reason: string | null;
}

async function addEndpoint(ctx: TestContextApi, account: TestAccount, url: string, events: string[] = ['*']): Promise<Endpoint> {
  const answer = await ctx.call('POST', '/api/v1/webhooks', { key: account.key, body: { url, events } });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as Endpoint;
}

async function buy(ctx: TestContextApi, account: TestAccount, did: string) {
  const answer = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account.key, body: purchaseBody(account, did) });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

async function describeNumber(ctx: TestContextApi, account: TestAccount, did: string, description: string) {
  const answer = await ctx.call('PATCH', '/api/v1/phone-numbers', { key: account.key, body: { did_number: did, description } });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

async function accountEvents(ctx: TestContextApi, account: TestAccount) {
  const answer = await ctx.call('GET', '/api/v1/events/', { key: account.key });
  assert.equal(answer.status, 200);
  return answer.body.results as Array<{ id: string; cursor: string; kind: string; did_number: string | null; data: Record<string, unknown> }>;
}

async function attempts(ctx: TestContextApi, account: TestAccount, endpointId: string) {
  const answer = await ctx.call('GET', `/api/v1/webhooks/${endpointId}/attempts`, { key: account.key });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.results as Array<{ event_id: string; attempt: number; status_code: number | null; error: string | null; delivery_status: string; replay: number; next_attempt_at: string | null }>;
}

function poster(t: { after: (fn: () => void) => void }, options = TEST_WEBHOOK_SETTINGS): WebhookPoster {
  const made = createWebhookPoster(options);
  t.after(() => made.close());
  return made;
}

const nowSeconds = (ctx: TestContextApi) => Math.floor(ctx.deps.clock().getTime() / 1000);

describeEachDatabase('webhooks', (dialect) => {
  it('delivers each event as GET /events/ shows it, signed with the secret shown once, each number’s events in their order', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const receiver = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([FIRST, SECOND].map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    await buy(ctx, buyer, FIRST); // Before the endpoint: never delivered.
    const endpoint = await addEndpoint(ctx, buyer, receiver.url);
    assert.match(endpoint.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await ctx.call('GET', '/api/v1/webhooks', { key: buyer.key });
    assert.equal(JSON.stringify(listed.body).includes(endpoint.secret), false, 'the secret is never shown again');
    const released = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: FIRST } });
    assert.equal(released.status, 200);
    await buy(ctx, buyer, SECOND);
    await describeNumber(ctx, buyer, SECOND, 'Reception');
    await describeNumber(ctx, buyer, SECOND, 'Front desk');

    const report = await deliverDueWebhooks(ctx.deps, poster(t));
    assert.equal(report.delivered, 4);
    const shown = (await accountEvents(ctx, buyer)).slice(1);
    assert.deepEqual(receiver.deliveries.map((d) => d.eventId).sort(), shown.map((e) => e.id).sort(), 'each event after the endpoint was made, once');
    for (const delivery of receiver.deliveries) {
      const event = await verifyWebhook<{ id: string }>(delivery.body, delivery.headers['bilby-signature'] as string, endpoint.secret, { nowSeconds: nowSeconds(ctx) });
      assert.deepEqual(event, shown.find((e) => e.id === delivery.eventId), 'the body is the event as GET /events/ shows it');
      assert.equal(delivery.headers['content-type'], 'application/json');
      assert.equal(delivery.headers['bilby-delivery-attempt'], '1');
      await assert.rejects(verifyWebhook(delivery.body, delivery.headers['bilby-signature'] as string, 'whsec_wrong', { nowSeconds: nowSeconds(ctx) }), WebhookSignatureError);
    }
    const ofSecond = receiver.deliveries.filter((d) => JSON.parse(d.body).did_number === SECOND).map((d) => d.eventId);
    assert.deepEqual(ofSecond, shown.filter((e) => e.did_number === SECOND).map((e) => e.id), 'one number’s events in their order');
    const log = await attempts(ctx, buyer, endpoint.id);
    assert.equal(log.length, 4);
    assert.ok(log.every((a) => a.status_code === 200 && a.error === null && a.delivery_status === 'delivered'));
    assert.equal((await deliverDueWebhooks(ctx.deps, poster(t))).delivered, 0, 'nothing is sent twice');
  });

  it('sends only the kinds an endpoint hears; another account’s endpoint hears nothing of this one; endpoints are the owner’s only', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const receiver = await startWebhookReceiver(t);
    const other = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    const stranger = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: FIRST, setup: 2_50, monthly: 10_00 }]);
    const releases = await addEndpoint(ctx, buyer, receiver.url, ['number.released', 'number.released']);
    assert.deepEqual(releases.events, ['number.released']);
    await addEndpoint(ctx, stranger, other.url);
    await buy(ctx, buyer, FIRST);
    await ctx.call('DELETE', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: FIRST } });
    await deliverDueWebhooks(ctx.deps, poster(t));
    assert.deepEqual(receiver.deliveries.map((d) => JSON.parse(d.body).kind), ['number.released']);
    assert.equal(other.deliveries.length, 0);
    for (const [method, path] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['GET', '/attempts'], ['POST', '/replay'], ['POST', '/rotate-secret']] as const) {
      const answer = await ctx.call(method, `/api/v1/webhooks/${releases.id}${path}`, { key: stranger.key, body: method === 'PATCH' ? { description: 'mine' } : {} });
      assert.equal(answer.status, 404, `${method} ${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, 'not_found');
    }
    const unknown = await ctx.call('POST', '/api/v1/webhooks', { key: buyer.key, body: { url: receiver.url, events: ['number.bought'] } });
    assert.deepEqual([unknown.status, unknown.body.code, unknown.body.errors[0].field], [400, 'invalid_request', 'events[0]']);
  });

  it('retries a failed delivery with a doubling wait, holding back that number’s later events but not the others’', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const receiver = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([FIRST, SECOND].map((number) => ({ number, setup: 2_50, monthly: 10_00 })));
    await buy(ctx, buyer, FIRST);
    await buy(ctx, buyer, SECOND);
    const endpoint = await addEndpoint(ctx, buyer, receiver.url);
    await describeNumber(ctx, buyer, FIRST, 'One');
    await describeNumber(ctx, buyer, FIRST, 'Two');
    await describeNumber(ctx, buyer, SECOND, 'Other');
    const [firstOne, firstTwo, other] = (await accountEvents(ctx, buyer)).slice(2);

    const failures = [500, 503];
    receiver.respond = (delivery) => (delivery.eventId === firstOne!.id && failures.length > 0 ? { status: failures.shift()! } : undefined);
    await deliverDueWebhooks(ctx.deps, poster(t));
    assert.deepEqual(new Set(receiver.deliveries.map((d) => d.eventId)), new Set([firstOne!.id, other!.id]), 'the first number’s second event waits for its first; the other number’s goes');
    let log = await attempts(ctx, buyer, endpoint.id);
    const failed = log.find((a) => a.status_code === 500)!;
    assert.deepEqual([failed.event_id, failed.error, failed.delivery_status], [firstOne!.id, 'the receiver answered HTTP 500', 'pending']);
    const firstWait = Date.parse(failed.next_attempt_at!) - ctx.deps.clock().getTime();
    assert.ok(firstWait > 25_000 && firstWait <= 30_000, `about 30 s (${firstWait} ms)`);
    const behind = await ctx.db.selectFrom('webhook_delivery').select('next_attempt_at').where('event_id', '=', firstTwo!.id).executeTakeFirstOrThrow();
    assert.equal(behind.next_attempt_at, failed.next_attempt_at, 'the delivery held behind it waits as long, out of the claims’ way');

    await deliverDueWebhooks(ctx.deps, poster(t));
    assert.equal(receiver.deliveries.length, 2, 'not before its time');
    ctx.advanceClock(31_000);
    await deliverDueWebhooks(ctx.deps, poster(t));
    log = await attempts(ctx, buyer, endpoint.id);
    const second = log.find((a) => a.status_code === 503)!;
    assert.equal(second.attempt, 2);
    const secondWait = Date.parse(second.next_attempt_at!) - ctx.deps.clock().getTime();
    assert.ok(secondWait > 50_000 && secondWait <= 60_000, `about 60 s, twice the first (${secondWait} ms)`);
    assert.equal(receiver.deliveries.length, 3);

    ctx.advanceClock(61_000);
    await deliverDueWebhooks(ctx.deps, poster(t));
    assert.deepEqual(receiver.deliveries.slice(3).map((d) => [d.eventId, d.headers['bilby-delivery-attempt']]), [
      [firstOne!.id, '3'],
      [firstTwo!.id, '1'],
    ], 'the first event at its third attempt, then the one held behind it');
    const delivered = (await attempts(ctx, buyer, endpoint.id)).filter((a) => a.delivery_status === 'delivered');
    assert.equal(new Set(delivered.map((a) => a.event_id)).size, 3, 'all three delivered in the end');
    assert.equal((await ctx.call('GET', `/api/v1/webhooks/${endpoint.id}`, { key: buyer.key })).body.failing_since, null, 'a success forgets the failures');
  });

  it('times a receiver out, retries it, and gives up after the retry window, disabling an endpoint that failed throughout', async (t) => {
    const ctx = await createTestContext(t, dialect, { ...IMMEDIATE_RESALE, webhooks: { ...TEST_WEBHOOK_SETTINGS, timeoutMs: 300 } });
    const receiver = await startWebhookReceiver(t);
    const watcher = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: FIRST, setup: 2_50, monthly: 10_00 }]);
    const failing = await addEndpoint(ctx, buyer, receiver.url);
    const watching = await addEndpoint(ctx, buyer, watcher.url, ['webhook_endpoint.disabled']);
    await buy(ctx, buyer, FIRST);
    receiver.otherwise = 'hang';
    const send = poster(t, { ...TEST_WEBHOOK_SETTINGS, timeoutMs: 300 });
    await deliverDueWebhooks(ctx.deps, send);
    let log = await attempts(ctx, buyer, failing.id);
    assert.deepEqual([log[0]!.status_code, log[0]!.error], [null, 'no answer within 300 ms']);
    receiver.otherwise = { status: 500 };
    for (let hours = 0; hours < 80; hours += 6) {
      ctx.advanceClock(6 * HOUR_MS);
      await deliverDueWebhooks(ctx.deps, send);
    }
    log = await attempts(ctx, buyer, failing.id);
    assert.equal(log[0]!.delivery_status, 'failed', 'given up after three days');
    assert.ok(log.length >= 12 && log.length <= 16, `tried every 6 hours at most for 3 days (${log.length} attempts)`);
    const endpoint = (await ctx.call('GET', `/api/v1/webhooks/${failing.id}`, { key: buyer.key })).body;
    assert.equal(endpoint.status, 'disabled');
    assert.match(endpoint.disabled_reason, /^failed every delivery since .*: last the receiver answered HTTP 500$/);
    const disabled = (await accountEvents(ctx, buyer)).filter((e) => e.kind === 'webhook_endpoint.disabled');
    assert.equal(disabled.length, 1);
    assert.equal(disabled[0]!.data.webhook_endpoint_id, failing.id);
    await deliverDueWebhooks(ctx.deps, send);
    assert.deepEqual(watcher.deliveries.map((d) => d.eventId), [disabled[0]!.id], 'the other endpoint heard of it');
    assert.equal((await ctx.call('GET', `/api/v1/webhooks/${watching.id}`, { key: buyer.key })).body.status, 'enabled');

    // Its owner enables it again: its failures are forgotten and new events reach it.
    receiver.otherwise = { status: 200 };
    const enabled = await ctx.call('PATCH', `/api/v1/webhooks/${failing.id}`, { key: buyer.key, body: { status: 'enabled' } });
    assert.deepEqual([enabled.body.status, enabled.body.failing_since, enabled.body.disabled_reason], ['enabled', null, null]);
    await describeNumber(ctx, buyer, FIRST, 'Back');
    const before = receiver.deliveries.length;
    await deliverDueWebhooks(ctx.deps, send);
    assert.deepEqual(
      receiver.deliveries.slice(before).map((d) => JSON.parse(d.body).kind),
      ['webhook_endpoint.disabled', 'number.updated'],
      'what happened while it was disabled, then what came after',
    );
  });

  it('replays a range of events as new deliveries marked Bilby-Replay, and refuses a cursor it never gave', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const receiver = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: FIRST, setup: 2_50, monthly: 10_00 }]);
    const endpoint = await addEndpoint(ctx, buyer, receiver.url);
    await buy(ctx, buyer, FIRST);
    await describeNumber(ctx, buyer, FIRST, 'One');
    await describeNumber(ctx, buyer, FIRST, 'Two');
    await deliverDueWebhooks(ctx.deps, poster(t));
    assert.equal(receiver.deliveries.length, 3);
    const [first, second, third] = await accountEvents(ctx, buyer);

    const replayed = await ctx.call('POST', `/api/v1/webhooks/${endpoint.id}/replay`, { key: buyer.key, body: { after: first!.cursor, through: second!.cursor } });
    assert.equal(replayed.status, 202, JSON.stringify(replayed.body));
    assert.deepEqual(replayed.body, { queued: 1, last_cursor: second!.cursor, more: false });
    const everything = await ctx.call('POST', `/api/v1/webhooks/${endpoint.id}/replay`, { key: buyer.key, body: {} });
    assert.deepEqual([everything.body.queued, everything.body.last_cursor], [3, third!.cursor]);
    await deliverDueWebhooks(ctx.deps, poster(t));
    const again = receiver.deliveries.slice(3);
    assert.deepEqual(
      again.map((d) => [d.eventId, d.headers['bilby-replay']]),
      [
        [second!.id, '1'],
        [first!.id, '1'],
        [second!.id, '2'],
        [third!.id, '1'],
      ],
      'in the order they were queued, each replay a round of its own',
    );
    for (const body of [{ after: 'nonsense' }, { after: third!.cursor, through: first!.cursor }, { through: 'djE6MTIzYQ' }]) {
      const refused = await ctx.call('POST', `/api/v1/webhooks/${endpoint.id}/replay`, { key: buyer.key, body });
      assert.deepEqual([refused.status, refused.body.code], [400, 'invalid_request'], JSON.stringify(body));
    }
  });

  it('rotates the secret with an overlap in which both sign, then only the new one', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const receiver = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: FIRST, setup: 2_50, monthly: 10_00 }]);
    const endpoint = await addEndpoint(ctx, buyer, receiver.url);
    await buy(ctx, buyer, FIRST);
    const rotated = await ctx.call('POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`, { key: buyer.key, body: { expire_previous_in_hours: 1 } });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const fresh = rotated.body.secret as string;
    assert.notEqual(fresh, endpoint.secret);
    await deliverDueWebhooks(ctx.deps, poster(t));
    const during = receiver.deliveries[0]!;
    const header = during.headers['bilby-signature'] as string;
    assert.equal(header.split(',').filter((part) => part.startsWith('v1=')).length, 2);
    for (const secret of [endpoint.secret, fresh]) await verifyWebhook(during.body, header, secret, { nowSeconds: nowSeconds(ctx) });

    ctx.advanceClock(HOUR_MS + 1_000);
    await describeNumber(ctx, buyer, FIRST, 'Later');
    await deliverDueWebhooks(ctx.deps, poster(t));
    const after = receiver.deliveries[1]!;
    const afterHeader = after.headers['bilby-signature'] as string;
    assert.equal(afterHeader.split(',').filter((part) => part.startsWith('v1=')).length, 1);
    await verifyWebhook(after.body, afterHeader, fresh, { nowSeconds: nowSeconds(ctx) });
    await assert.rejects(verifyWebhook(after.body, afterHeader, endpoint.secret, { nowSeconds: nowSeconds(ctx) }), WebhookSignatureError);
  });

  it('refuses URLs on loopback, private, link-local and other non-public addresses unless the operator allows them (SSRF)', async (t) => {
    const ctx = await createTestContext(t, dialect, { webhooks: { ...TEST_WEBHOOK_SETTINGS, allowPrivate: false } });
    const owner = await ctx.createAccount({ balance: 100_00 });
    const add = (url: string) => ctx.call('POST', '/api/v1/webhooks', { key: owner.key, body: { url, events: ['*'] } });
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://localhost/hooks',
      'http://api.localhost/hooks',
      'http://[::1]/hooks',
      'http://10.1.2.3/',
      'http://172.16.0.9/',
      'http://192.168.0.10/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://224.0.0.1/',
    ]) {
      const answer = await add(url);
      assert.deepEqual([answer.status, answer.body.code, answer.body.errors?.[0]?.field], [400, 'url_not_allowed', 'url'], `${url}: ${JSON.stringify(answer.body)}`);
    }
    for (const url of ['ftp://hooks.example.com/', 'https://user:secret@hooks.example.com/', 'not a url', 'https://hooks.example.com/#frag']) {
      const answer = await add(url);
      assert.deepEqual([answer.status, answer.body.code], [400, 'invalid_request'], `${url}: ${JSON.stringify(answer.body)}`);
      assert.equal(JSON.stringify(answer.body).includes('secret@'), false, 'the credentials are not echoed');
    }
    const publicAddress = await add('https://93.184.216.34/hooks');
    assert.equal(publicAddress.status, 201, JSON.stringify(publicAddress.body));
    const moved = await ctx.call('PATCH', `/api/v1/webhooks/${publicAddress.body.id}`, { key: owner.key, body: { url: 'http://10.0.0.1/hooks' } });
    assert.deepEqual([moved.status, moved.body.code], [400, 'url_not_allowed']);
    const count = await ctx.db.selectFrom('webhook_endpoint').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1, 'nothing refused was stored');
  });

  it('checks the address again at delivery: an endpoint made while private addresses were allowed gets nothing once they are not', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const receiver = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: FIRST, setup: 2_50, monthly: 10_00 }]);
    const literal = await addEndpoint(ctx, buyer, receiver.url);
    const named = await addEndpoint(ctx, buyer, receiver.url.replace('127.0.0.1', 'localhost'));
    await buy(ctx, buyer, FIRST);
    await deliverDueWebhooks(ctx.deps, poster(t, { ...TEST_WEBHOOK_SETTINGS, allowPrivate: false }));
    assert.equal(receiver.deliveries.length, 0);
    assert.deepEqual((await attempts(ctx, buyer, literal.id)).map((a) => a.error), ['refused: 127.0.0.1 is not a public address']);
    const [byName] = await attempts(ctx, buyer, named.id);
    assert.match(byName!.error!, /^refused: localhost resolves to (127\.0\.0\.1|::1), which is not a public address$/);
    assert.equal(byName!.delivery_status, 'pending', 'retried later, as any failure');
  });

  it('answers a retried create with the same Idempotency-Key without the secret, and caps an account’s endpoints', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const owner = await ctx.createAccount({ balance: 100_00 });
    const body = { url: 'https://hooks.example.com/a', events: ['*'] };
    const headers = { 'idempotency-key': 'create-hook-1' };
    const first = await ctx.call('POST', '/api/v1/webhooks', { key: owner.key, body, headers });
    assert.equal(first.status, 201);
    const retry = await ctx.call('POST', '/api/v1/webhooks', { key: owner.key, body, headers });
    assert.deepEqual([retry.status, retry.body.code], [409, 'already_exists']);
    assert.match(retry.body.detail, new RegExp(`already created webhook endpoint ${first.body.id}; .*rotate-secret`));
    assert.equal(JSON.stringify(retry.body).includes(first.body.secret), false);
    for (let i = 1; i < 16; i += 1) assert.equal((await ctx.call('POST', '/api/v1/webhooks', { key: owner.key, body })).status, 201);
    const over = await ctx.call('POST', '/api/v1/webhooks', { key: owner.key, body });
    assert.deepEqual([over.status, over.body.code], [409, 'limit_reached']);
    const deleted = await ctx.call('DELETE', `/api/v1/webhooks/${first.body.id}`, { key: owner.key });
    assert.equal(deleted.status, 200);
    assert.equal((await ctx.call('GET', `/api/v1/webhooks/${first.body.id}`, { key: owner.key })).status, 404);
    assert.equal((await ctx.call('POST', '/api/v1/webhooks', { key: owner.key, body })).status, 201, 'room again after a delete');
  });

  it('claims no more than asked, and at most a few per endpoint: a hanging receiver holds those, the other endpoints go on', async (t) => {
    const ctx = await createTestContext(t, dialect, { ...IMMEDIATE_RESALE, webhooks: { ...TEST_WEBHOOK_SETTINGS, timeoutMs: 1_500, perEndpoint: 2 } });
    const hanging = await startWebhookReceiver(t);
    hanging.otherwise = 'hang';
    const healthy = await startWebhookReceiver(t);
    const slow = await ctx.createAccount({ balance: 100_00 });
    const quick = await ctx.createAccount({ balance: 100_00 });
    const numbers = Array.from({ length: 8 }, (_, i) => `6129123451${i}`);
    await ctx.seedNumbers([...numbers, FIRST].map((number) => ({ number, setup: 1_00, monthly: 1_00 })));
    await addEndpoint(ctx, slow, hanging.url);
    await addEndpoint(ctx, quick, healthy.url);
    for (const number of numbers) await buy(ctx, slow, number);
    await buy(ctx, quick, FIRST);

    const { claimWebhookDeliveries, queueWebhookDeliveries, sendWebhookDeliveries } = await import('../server/src/services/deliver-webhooks.js');
    await queueWebhookDeliveries(ctx.deps);
    const claimed = await claimWebhookDeliveries(ctx.deps, 4);
    assert.ok(claimed.length <= 4, `at most the 4 asked (${claimed.length})`);
    const byEndpoint = new Map<string, number>();
    for (const d of claimed) byEndpoint.set(d.endpointId, (byEndpoint.get(d.endpointId) ?? 0) + 1);
    assert.deepEqual([...byEndpoint.values()].sort(), [1, 2], 'two of the slow account’s (its cap), and the quick one’s in the same claim');
    const again = await claimWebhookDeliveries(ctx.deps, 4);
    assert.deepEqual(again, [], 'the slow endpoint holds its two, and nothing else is due');
    const started = Date.now();
    const sending = sendWebhookDeliveries(ctx.deps, poster(t, { ...TEST_WEBHOOK_SETTINGS, timeoutMs: 1_500 }), claimed);
    await healthy.waitFor(1, 1_000);
    assert.ok(Date.now() - started < 1_000, 'the quick endpoint’s delivery did not wait for the hanging one');
    await sending;
  });

  it('never lets a replay overtake a later event of the same number still being sent', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    const receiver = await startWebhookReceiver(t);
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: FIRST, setup: 2_50, monthly: 10_00 }]);
    const endpoint = await addEndpoint(ctx, buyer, receiver.url);
    await buy(ctx, buyer, FIRST);
    await deliverDueWebhooks(ctx.deps, poster(t));
    await describeNumber(ctx, buyer, FIRST, 'Later');
    const { claimWebhookDeliveries, queueWebhookDeliveries } = await import('../server/src/services/deliver-webhooks.js');
    await queueWebhookDeliveries(ctx.deps);
    const inFlight = await claimWebhookDeliveries(ctx.deps, 8);
    assert.equal(inFlight.length, 1);
    const replayed = await ctx.call('POST', `/api/v1/webhooks/${endpoint.id}/replay`, { key: buyer.key });
    assert.equal(replayed.body.queued, 2);
    assert.deepEqual(await claimWebhookDeliveries(ctx.deps, 8), [], 'the replays wait behind the delivery being sent');
  });

  it('cuts off a delivery being sent when the worker stops, and lets it go to be sent again at once', async (t) => {
    const ctx = await createTestContext(t, dialect, { ...IMMEDIATE_RESALE, webhooks: { ...TEST_WEBHOOK_SETTINGS, timeoutMs: 10_000, pollMs: 20 } });
    const receiver = await startWebhookReceiver(t);
    receiver.otherwise = 'hang';
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await ctx.seedNumbers([{ number: FIRST, setup: 2_50, monthly: 10_00 }]);
    const endpoint = await addEndpoint(ctx, buyer, receiver.url);
    const { startWebhookWorker } = await import('../server/src/services/webhook-worker.js');
    const worker = startWebhookWorker(ctx.deps);
    await buy(ctx, buyer, FIRST);
    await receiver.waitFor(1);
    const started = Date.now();
    await worker.stop();
    assert.ok(Date.now() - started < 2_000, `stopped without waiting for the receiver's timeout (${Date.now() - started} ms)`);
    assert.deepEqual(await attempts(ctx, buyer, endpoint.id), [], 'no attempt recorded for the cut-off send');
    receiver.otherwise = { status: 200 };
    assert.equal((await deliverDueWebhooks(ctx.deps, poster(t))).delivered, 1, 'due again at once');
  });

  it('takes no more deliveries than a claim asks for, on a table the planner knows nothing of', async (t) => {
    const ctx = await createTestContext(t, dialect, { ...IMMEDIATE_RESALE, webhooks: { ...TEST_WEBHOOK_SETTINGS, perEndpoint: 100 } });
    const buyer = await ctx.createAccount({ balance: 100_00 });
    await addEndpoint(ctx, buyer, 'http://127.0.0.1:9/never');
    const { appendAccountEvents } = await import('../server/src/store/account-event-store.js');
    const at = ctx.deps.clock().toISOString();
    await ctx.database.writeTransaction((trx) =>
      appendAccountEvents(trx, Array.from({ length: 16 }, (_, i) => ({ accountId: buyer.accountId, kind: 'number.updated' as const, didNumber: `612912345${10 + i}`, at, data: {} }))),
    );
    const { claimWebhookDeliveries, queueWebhookDeliveries } = await import('../server/src/services/deliver-webhooks.js');
    await queueWebhookDeliveries(ctx.deps);
    assert.equal((await claimWebhookDeliveries(ctx.deps, 4)).length, 4);
    assert.equal((await claimWebhookDeliveries(ctx.deps, 100)).length, 12);
  });
});
