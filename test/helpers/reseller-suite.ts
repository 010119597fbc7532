import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestContext, type TestAccount, type TestContextApi } from './context.js';
import type { DialectName } from '../../server/src/store/database.js';
import { reconcileUpstream } from '../../server/src/services/reconcile-upstream.js';
import { assertInvariants, assertUpstreamAgrees } from './invariants.js';
import { startServer, type ServerProcess } from './server-process.js';
import { crazyTelCarrier, startUpstream, UPSTREAM_PRICE, UPSTREAM_ROUTING, type Upstream } from './upstream.js';

/** Numbers both Bilbys have: the reseller's catalogue and upstream's stock. */
export const NUMBERS = ['61291234567', '61291234568', '61291234569', '61291234570'];
/** What the reseller charges: $5 setup and $10 a month, against upstream's $6. */
export const LOCAL_PRICE_CENTS = 15_00;
const PURCHASE_PATH = 'POST /api/v1/phone-numbers/purchase';

/** The reseller's Bilby, a real process, selling from `ctx`'s database with the crazytel carrier. */
export async function startReseller(t: TestContext, ctx: TestContextApi, upstream: Upstream, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServer([], resellerEnv(ctx, upstream, env));
  t.after(() => server.stop());
  return server;
}

export function resellerEnv(ctx: TestContextApi, upstream: Upstream, env: Record<string, string> = {}): Record<string, string> {
  return {
    BILBY_DATABASE_URL: ctx.urls.database,
    // Bilby's own carrier, for the reseller's own ranges.
    BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
    BILBY_CARRIER: 'crazytel',
    BILBY_UPSTREAM_URL: upstream.proxy.url,
    BILBY_UPSTREAM_API_KEY: upstream.resellerKey,
    BILBY_UPSTREAM_ROUTE: UPSTREAM_ROUTING.route,
    BILBY_UPSTREAM_DESTINATION: UPSTREAM_ROUTING.destination,
    BILBY_RATE_LIMIT_PER_MINUTE: '0',
    BILBY_RECOVERY_INTERVAL_MS: '200',
    // These tests count the requests upstream sees: reconciliation's own (test/helpers/reconcile-suite.ts) would join them.
    BILBY_RECONCILE_INTERVAL_MS: '0',
    BILBY_LOG_LEVEL: 'info',
    ...env,
  };
}

export async function setUp(t: TestContext, dialect: DialectName, upstreamBalance = 100) {
  const ctx = await createTestContext(t, dialect);
  const buyer = await ctx.createAccount({ balance: 100_00 });
  await ctx.seedNumbers(NUMBERS.map((number) => ({ number, setup: 5_00, monthly: 10_00, carrier: 'crazytel' as const })));
  const upstream = await startUpstream(t, { numbers: NUMBERS, balance: upstreamBalance });
  return { ctx, buyer, upstream };
}

export async function buy(server: ServerProcess, buyer: TestAccount, didNumber: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.base}/api/v1/phone-numbers/purchase`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.key },
    body: JSON.stringify({
      did_number: didNumber,
      address_id: buyer.addressId,
      person_id: buyer.personId,
      primary_route: 'device',
      primary_destination: '1000000',
    }),
  });
  return { status: response.status, body: await response.json() };
}

async function balanceCents(ctx: TestContextApi, buyer: TestAccount): Promise<number> {
  const row = await ctx.db.selectFrom('account').select('balance_cents').where('id', '=', buyer.accountId).executeTakeFirstOrThrow();
  return Number(row.balance_cents);
}

async function readiness(server: ServerProcess): Promise<any> {
  return (await fetch(`${server.base}/readyz`)).json();
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function orderOf(ctx: TestContextApi, didNumber: string) {
  return ctx.db.selectFrom('purchase_order').selectAll().where('did_number', '=', didNumber).executeTakeFirstOrThrow();
}

/** The numbers the reseller owns upstream, asked of upstream directly. */
export async function ownedUpstream(upstream: Upstream): Promise<string[]> {
  const owned: string[] = [];
  for await (const number of upstream.reseller.numbers.list()) owned.push(number.did_number);
  return owned.sort();
}

async function upstreamBalance(upstream: Upstream): Promise<number> {
  return (await upstream.reseller.balance()).balance;
}

function purchasesSeen(upstream: Upstream): number {
  return upstream.proxy.requests.filter((line) => line === PURCHASE_PATH).length;
}

/**
 * Against upstream's own records: INV-CARRIER-AGREE (every active number is owned there, and only
 * those) and INV-UPSTREAM-AGREE, with a reconciliation run now.
 */
export async function assertAgreesWithUpstream(ctx: TestContextApi, upstream: Upstream): Promise<void> {
  const carrier = crazyTelCarrier(ctx, upstream.process.base, upstream.resellerKey);
  await assertInvariants(ctx.db, carrier, { settled: true });
  await assertUpstreamAgrees(ctx.db, await ownedUpstream(upstream), await reconcileUpstream({ ...ctx.deps, carrier }));
}

/** Reseller mode end to end: a reseller Bilby with the crazytel carrier, a second Bilby as its upstream. */
export function resellerSuite(dialect: DialectName): void {
  it("mirrors the buyer's records and buys upstream, then buys with one upstream call; each sale charged once on both sides", async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream);
    assert.deepEqual((await readiness(server)).carrier, { name: 'crazytel', status: 'ok' });

    const first = await buy(server, buyer, NUMBERS[0]!);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(upstream.proxy.requests, ['POST /api/v1/account/address/', 'POST /api/v1/account/person/', PURCHASE_PATH]);
    upstream.proxy.requests.length = 0;
    const second = await buy(server, buyer, NUMBERS[1]!);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(upstream.proxy.requests, [PURCHASE_PATH], 'records mirrored once: one call per purchase');

    assert.equal(await balanceCents(ctx, buyer), 100_00 - 2 * LOCAL_PRICE_CENTS);
    assert.equal(await upstreamBalance(upstream), 100 - (2 * UPSTREAM_PRICE.cents) / 100);
    assert.deepEqual(await ownedUpstream(upstream), [NUMBERS[0], NUMBERS[1]]);
    const owned = await upstream.reseller.numbers.get(NUMBERS[1]!);
    assert.deepEqual([owned.primary_route, owned.primary_destination], [UPSTREAM_ROUTING.route, UPSTREAM_ROUTING.destination]);
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it('upstream out of funds: the buyer gets upstream_error (never insufficient_funds), the operator an alert, and purchases stop until upstream is topped up', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect, 5); // less than one number's $6
    const server = await startReseller(t, ctx, upstream);

    const refused = await buy(server, buyer, NUMBERS[0]!);
    assert.equal(refused.status, 500);
    assert.equal(refused.body.code, 'upstream_error');
    assert.equal(refused.body.retryable, true);
    assert.doesNotMatch(JSON.stringify(refused.body), /fund|balance/i, "the reseller's problem is not the buyer's");
    assert.equal(await balanceCents(ctx, buyer), 100_00, 'nothing charged');
    assert.equal((await orderOf(ctx, NUMBERS[0]!)).status, 'failed');
    const number = await ctx.db.selectFrom('phone_number').select('status').where('did_number', '=', NUMBERS[0]!).executeTakeFirstOrThrow();
    assert.equal(number.status, 'available', 'the number stays for sale');

    // The alert: an error log, a metric and readiness.
    await waitFor('the error log', async () => /upstream refuses purchases/.test(server.output()));
    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    assert.match(metrics, /bilby_carrier_refusing\{carrier="crazytel",reason="upstream_out_of_funds"\} 1/);
    const ready = await fetch(`${server.base}/readyz`);
    assert.equal(ready.status, 200, 'searches still work: the server stays ready');
    assert.deepEqual({ ...(await ready.json()).carrier, since: 'x' }, { name: 'crazytel', status: 'refusing', reason: 'upstream_out_of_funds', since: 'x' });

    // Refused at once, without asking upstream.
    const before = purchasesSeen(upstream);
    const again = await buy(server, buyer, NUMBERS[1]!);
    assert.equal(again.status, 500);
    assert.equal(again.body.code, 'upstream_error');
    assert.equal(purchasesSeen(upstream), before, 'no purchase sent upstream while it refuses');
    assert.equal(await ctx.db.selectFrom('purchase_order').select('id').where('did_number', '=', NUMBERS[1]!).executeTakeFirst(), undefined, 'no order made');

    // The operator tops up the upstream account: the next health check lets purchases through.
    await upstream.admin.credit(upstream.resellerAccountId, { amount: 50, reason: 'top-up' });
    await waitFor('purchases to resume', async () => (await readiness(server)).carrier.status === 'ok');
    assert.equal((await buy(server, buyer, NUMBERS[1]!)).status, 200);
    assert.match((await (await fetch(`${server.base}/metrics`)).text()), /reason="upstream_out_of_funds"\} 0/);
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it('upstream refuses the key (401): upstream_error and an alert until a health check passes', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream);
    upstream.proxy.faults.push({ match: PURCHASE_PATH, kind: 'answer', status: 401, body: { detail: 'Invalid API key' } });
    // Every health check is refused too, until the key is fixed upstream.
    for (let i = 0; i < 3; i++) upstream.proxy.faults.push({ match: 'GET /api/v1/balance/', kind: 'answer', status: 401, body: { detail: 'Invalid API key' } });

    const refused = await buy(server, buyer, NUMBERS[0]!);
    assert.deepEqual([refused.status, refused.body.code], [500, 'upstream_error']);
    assert.equal((await readiness(server)).carrier.reason, 'upstream_unauthorized');
    assert.match(server.output(), /BILBY_UPSTREAM_API_KEY/);
    const fast = await buy(server, buyer, NUMBERS[0]!);
    assert.deepEqual([fast.status, fast.body.code], [500, 'upstream_error']);
    assert.equal(purchasesSeen(upstream), 1);

    await waitFor('the key to be accepted again', async () => (await readiness(server)).carrier.status === 'ok');
    assert.ok(upstream.proxy.requests.filter((line) => line === 'GET /api/v1/balance/').length >= 4, 'health checks asked upstream');
    assert.equal((await buy(server, buyer, NUMBERS[0]!)).status, 200);
    assert.equal(await balanceCents(ctx, buyer), 100_00 - LOCAL_PRICE_CENTS);
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it('upstream no longer has the number (404): number_unavailable with alternatives, and the number withdrawn from stock', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    await ctx.seedNumbers([{ number: '61291234599', setup: 5_00, monthly: 10_00, carrier: 'crazytel' }]); // in the catalogue, gone upstream
    const server = await startReseller(t, ctx, upstream);

    const gone = await buy(server, buyer, '61291234599');
    assert.equal(gone.status, 404);
    assert.equal(gone.body.code, 'number_unavailable');
    assert.ok(gone.body.alternatives.length > 0, 'alternatives offered');
    assert.ok(gone.body.alternatives.every((alternative: any) => NUMBERS.includes(alternative.did_number)));
    const number = await ctx.db.selectFrom('phone_number').select('status').where('did_number', '=', '61291234599').executeTakeFirstOrThrow();
    assert.equal(number.status, 'withdrawn');
    const order = await orderOf(ctx, '61291234599');
    assert.deepEqual([order.status, order.failure_code], ['failed', 'number_unavailable']);
    assert.equal(await balanceCents(ctx, buyer), 100_00);
    const search = await fetch(`${server.base}/api/v1/phone-numbers/available-numbers/?contains=1234599`, { headers: { 'x-crazytel-api-key': buyer.key } });
    assert.deepEqual((await search.json()).results, [], 'no longer offered');
    assert.equal((await readiness(server)).carrier.status, 'ok', 'one missing number is no alert');
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it('429 storms: a purchase waits as Retry-After says and buys once; past its deadline it fails having bought nothing', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream, { BILBY_CARRIER_TIMEOUT_MS: '8000' });
    for (let i = 0; i < 3; i++) {
      upstream.proxy.faults.push({ match: PURCHASE_PATH, kind: 'answer', status: 429, body: { detail: 'Too Many Requests' }, headers: { 'retry-after': '1' } });
    }
    const bought = await buy(server, buyer, NUMBERS[0]!);
    assert.equal(bought.status, 200, JSON.stringify(bought.body));
    assert.equal(purchasesSeen(upstream), 4, 'sent again after each 429');
    assert.equal(await upstreamBalance(upstream), 100 - UPSTREAM_PRICE.cents / 100, 'bought upstream once');

    // A Retry-After beyond the purchase's deadline: the buyer is told at once, and nothing was bought.
    upstream.proxy.faults.push({ match: PURCHASE_PATH, kind: 'answer', status: 429, body: { detail: 'Too Many Requests' }, headers: { 'retry-after': '3600' } });
    const refused = await buy(server, buyer, NUMBERS[1]!);
    assert.deepEqual([refused.status, refused.body.code, refused.body.retryable], [500, 'upstream_error', true]);
    assert.equal((await orderOf(ctx, NUMBERS[1]!)).status, 'failed');
    assert.equal(await balanceCents(ctx, buyer), 100_00 - LOCAL_PRICE_CENTS);
    // Every process holds back until then: the next purchase sends nothing upstream.
    const seen = purchasesSeen(upstream);
    assert.deepEqual([(await buy(server, buyer, NUMBERS[2]!)).status, purchasesSeen(upstream)], [500, seen]);
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it('a crash after the upstream purchase, before the local commit: recovery completes the order from upstream records, charging once', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const doomed = await startServer([], resellerEnv(ctx, upstream, { BILBY_CRASH_POINT: 'after_carrier_ok' }));
    const answer = await buy(doomed, buyer, NUMBERS[0]!).then(
      () => 'answered',
      () => 'connection lost',
    );
    assert.equal(answer, 'connection lost');
    assert.equal(await doomed.exited, 'SIGKILL');
    assert.equal((await orderOf(ctx, NUMBERS[0]!)).status, 'pending');
    assert.deepEqual(await ownedUpstream(upstream), [NUMBERS[0]], 'bought upstream before the crash');

    const restarted = await startReseller(t, ctx, upstream, { BILBY_RECOVERY_GRACE_MS: '0' });
    await waitFor('recovery', async () => (await orderOf(ctx, NUMBERS[0]!)).status === 'completed');
    assert.equal(purchasesSeen(upstream), 1, 'never bought twice');
    assert.equal(await balanceCents(ctx, buyer), 100_00 - LOCAL_PRICE_CENTS, 'charged once');
    assert.equal(await upstreamBalance(upstream), 100 - UPSTREAM_PRICE.cents / 100);
    await restarted.stop();
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it('a purchase whose answer is lost upstream_pending: recovery completes it when upstream bought, and fails it (refunding the hold) when not', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    // Recovery leaves a pending order alone this long: longer than a purchase's call upstream takes
    // on a loaded machine, or recovery would ask upstream before the purchase reached it, fail the
    // order, and the saga would then undo the purchase upstream (CI saw 'failed' for the first).
    const server = await startReseller(t, ctx, upstream, { BILBY_RECOVERY_GRACE_MS: '5000' });
    // Bought upstream, the answer lost on the way back.
    upstream.proxy.faults.push({ match: PURCHASE_PATH, kind: 'lose_answer' });
    const lost = await buy(server, buyer, NUMBERS[0]!);
    assert.deepEqual([lost.status, lost.body.code], [500, 'upstream_pending']);
    // Cut before upstream saw it.
    upstream.proxy.faults.push({ match: PURCHASE_PATH, kind: 'drop' });
    const dropped = await buy(server, buyer, NUMBERS[1]!);
    assert.deepEqual([dropped.status, dropped.body.code], [500, 'upstream_pending']);
    // Half an answer: upstream bought it.
    upstream.proxy.faults.push({ match: PURCHASE_PATH, kind: 'cut_body' });
    const cut = await buy(server, buyer, NUMBERS[2]!);
    assert.deepEqual([cut.status, cut.body.code], [500, 'upstream_pending']);

    await waitFor('recovery', async () => {
      const orders = await ctx.db.selectFrom('purchase_order').select('status').execute();
      return orders.every((order) => order.status !== 'pending');
    });
    assert.equal((await orderOf(ctx, NUMBERS[0]!)).status, 'completed');
    assert.deepEqual([(await orderOf(ctx, NUMBERS[1]!)).status, (await orderOf(ctx, NUMBERS[1]!)).failure_code], ['failed', 'upstream_timeout']);
    assert.equal((await orderOf(ctx, NUMBERS[2]!)).status, 'completed');
    assert.equal(await balanceCents(ctx, buyer), 100_00 - 2 * LOCAL_PRICE_CENTS);
    assert.equal(await upstreamBalance(upstream), 100 - (2 * UPSTREAM_PRICE.cents) / 100);
    assert.equal(purchasesSeen(upstream), 3, 'recovery asked; it never bought');
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it('a release is a saga: upstream releases the number, then it leaves the account; a crash between the two is finished by recovery', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream);
    for (const number of NUMBERS.slice(0, 3)) assert.equal((await buy(server, buyer, number)).status, 200);

    assert.deepEqual(await release(server, buyer, NUMBERS[0]!), { status: 200, code: undefined });
    assert.equal(await numberStatus(ctx, NUMBERS[0]!), 'quarantine');
    assert.deepEqual(await ownedUpstream(upstream), [NUMBERS[1], NUMBERS[2]]);

    // Refused upstream (a refused key): the number is unchanged on both sides.
    upstream.proxy.faults.push({ match: 'DELETE /api/v1/phone-numbers', kind: 'answer', status: 403, body: { detail: 'Forbidden' } });
    assert.deepEqual(await release(server, buyer, NUMBERS[1]!), { status: 500, code: 'upstream_error' });
    assert.equal(await numberStatus(ctx, NUMBERS[1]!), 'active');
    assert.deepEqual(await ownedUpstream(upstream), [NUMBERS[1], NUMBERS[2]]);
    await server.stop();

    // Killed after upstream released it, before the local update.
    const doomed = await startServer([], resellerEnv(ctx, upstream, { BILBY_CRASH_POINT: 'after_carrier_release' }));
    assert.equal(await release(doomed, buyer, NUMBERS[1]!).then(() => 'answered', () => 'connection lost'), 'connection lost');
    assert.equal(await doomed.exited, 'SIGKILL');
    assert.equal(await numberStatus(ctx, NUMBERS[1]!), 'active', 'the crash left the release half-done');
    assert.deepEqual(await ownedUpstream(upstream), [NUMBERS[2]]);

    // An answer lost on the way back: upstream released it, the buyer is told it is pending.
    const restarted = await startReseller(t, ctx, upstream, { BILBY_RECOVERY_GRACE_MS: '1000' });
    await waitFor('the crashed release to be finished', async () => (await numberStatus(ctx, NUMBERS[1]!)) === 'quarantine');
    upstream.proxy.faults.push({ match: 'DELETE /api/v1/phone-numbers', kind: 'lose_answer' });
    assert.deepEqual(await release(restarted, buyer, NUMBERS[2]!), { status: 500, code: 'upstream_pending' });
    await waitFor('the pending release to be finished', async () => (await numberStatus(ctx, NUMBERS[2]!)) === 'quarantine');
    assert.deepEqual(await ownedUpstream(upstream), []);
    const releases = await ctx.db.selectFrom('release_order').select(['did_number', 'status']).orderBy('did_number').orderBy('created_at').execute();
    assert.deepEqual(releases, [
      { did_number: NUMBERS[0], status: 'completed' },
      { did_number: NUMBERS[1], status: 'failed' },
      { did_number: NUMBERS[1], status: 'completed' },
      { did_number: NUMBERS[2], status: 'completed' },
    ]);
    assert.equal(await balanceCents(ctx, buyer), 100_00 - 3 * LOCAL_PRICE_CENTS, 'a release refunds nothing and charges nothing');
    await restarted.stop();
    await assertAgreesWithUpstream(ctx, upstream);
  });
  it("the reseller's own range sells beside upstream's: provisioned by Bilby's own carrier without an upstream call, and on sale while upstream refuses", async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect, 5); // upstream cannot fund a purchase
    const own = '61291239999';
    await ctx.seedNumbers([{ number: own, setup: 2_00, monthly: 3_00, carrier: 'simulated' }]);
    const server = await startReseller(t, ctx, upstream);

    assert.deepEqual([(await buy(server, buyer, NUMBERS[0]!)).status, (await readiness(server)).carrier.status], [500, 'refusing']);
    upstream.proxy.requests.length = 0;
    const bought = await buy(server, buyer, own);
    assert.equal(bought.status, 200, JSON.stringify(bought.body));
    const notHealthChecks = () => [...upstream.proxy.requests].filter((line) => !line.startsWith('GET /api/v1/balance'));
    assert.deepEqual(notHealthChecks(), [], 'an own number is not bought upstream (upstream is asked only whether it accepts purchases again)');
    assert.equal(await numberStatus(ctx, own), 'active');
    assert.equal(await balanceCents(ctx, buyer), 100_00 - 5_00);
    assert.ok((await ctx.carrier.listProvisioned()).includes(own), "Bilby's own carrier provisioned it");
    assert.deepEqual(await ownedUpstream(upstream), []);

    assert.deepEqual(await release(server, buyer, own), { status: 200, code: undefined });
    assert.deepEqual(notHealthChecks(), [], 'nor released there');
    assert.equal(await numberStatus(ctx, own), 'quarantine');
    assert.deepEqual(await ctx.carrier.listProvisioned(), []);
    await server.stop();
    await assertAgreesWithUpstream(ctx, upstream);
  });
}

async function release(server: ServerProcess, buyer: TestAccount, didNumber: string): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${server.base}/api/v1/phone-numbers`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.key },
    body: JSON.stringify({ did_number: didNumber }),
  });
  const body = await response.json();
  return { status: response.status, code: body.code };
}

async function numberStatus(ctx: TestContextApi, didNumber: string): Promise<string> {
  return (await ctx.db.selectFrom('phone_number').select('status').where('did_number', '=', didNumber).executeTakeFirstOrThrow()).status;
}
