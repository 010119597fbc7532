import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type ReconcileReport } from '../../sdk/src/index.js';
import type { DialectName } from '../../server/src/store/database.js';
import { runCli } from './cli.js';
import { createTestContext, type TestAccount, type TestContextApi } from './context.js';
import { assertInvariants, assertUpstreamAgrees } from './invariants.js';
import { buy, resellerEnv } from './reseller-suite.js';
import { startServer, type ServerProcess } from './server-process.js';
import { crazyTelCarrier, startUpstream, UPSTREAM_ROUTING, type Upstream } from './upstream.js';

const NUMBERS = ['61291234567', '61291234568', '61291234569', '61291234570', '61291234571', '61291234572'];
const RESELLER_ADMIN_KEY = 'reseller-admin-key-0123456789';
/** A second SIP server of the reseller's, for an account's own upstream route. */
const OTHER_SIP = 'sip2.reseller.example';
/** What reconciliation asks upstream: the reseller's numbers, a page at a time. */
const LISTING = 'GET /api/v1/phone-numbers?limit=500';

/** The reseller's Bilby, a real process on `ctx`'s database with the crazytel carrier and an operator key. */
async function startReseller(t: TestContext, ctx: TestContextApi, upstream: Upstream, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServer([], resellerEnv(ctx, upstream, { BILBY_ADMIN_KEY: RESELLER_ADMIN_KEY, BILBY_RECONCILE_INTERVAL_MS: '0', ...env }));
  t.after(() => server.stop());
  return server;
}

async function setUp(t: TestContext, dialect: DialectName) {
  const ctx = await createTestContext(t, dialect);
  const buyer = await ctx.createAccount({ balance: 100_00 });
  const other = await ctx.createAccount({ balance: 100_00 });
  await ctx.seedNumbers(NUMBERS.map((number) => ({ number, setup: 5_00, monthly: 10_00, carrier: 'crazytel' as const })));
  const upstream = await startUpstream(t, { numbers: NUMBERS });
  return { ctx, buyer, other, upstream };
}

function operator(server: ServerProcess) {
  return createClient({ baseUrl: server.base, adminKey: RESELLER_ADMIN_KEY }).admin;
}

async function release(server: ServerProcess, buyer: TestAccount, didNumber: string): Promise<number> {
  const response = await fetch(`${server.base}/api/v1/phone-numbers`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.key },
    body: JSON.stringify({ did_number: didNumber }),
  });
  await response.body?.cancel();
  return response.status;
}

async function call(server: ServerProcess, method: string, path: string, headers: Record<string, string>, body: object): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.base}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function queuedChanges(ctx: TestContextApi) {
  return ctx.db.selectFrom('upstream_change').selectAll().execute();
}

async function ownedUpstream(upstream: Upstream): Promise<string[]> {
  const owned: string[] = [];
  for await (const number of upstream.reseller.numbers.list()) owned.push(number.did_number);
  return owned.sort();
}

async function mirrorOf(ctx: TestContextApi, kind: 'address' | 'person', localId: string): Promise<string> {
  const row = await ctx.db.selectFrom('upstream_record').select('upstream_id').where('kind', '=', kind).where('local_id', '=', localId).executeTakeFirstOrThrow();
  return row.upstream_id;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function differenceLine(metrics: string, kind: string): string | undefined {
  return new RegExp(`^bilby_upstream_differences\\{carrier="crazytel",kind="${kind}"\\} (\\d+)$`, 'm').exec(metrics)?.[1];
}

/** Reconciliation against a real upstream: a second Bilby process behind a fault proxy. */
export function reconcileSuite(dialect: DialectName): void {
  it('lists exactly the differences planted upstream, of every kind, reading upstream only; the metric counts them and the CLI prints them', async (t) => {
    const { ctx, buyer, other, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream);
    for (const number of NUMBERS.slice(0, 3)) assert.equal((await buy(server, buyer, number)).status, 200);
    assert.equal((await buy(server, other, NUMBERS[3]!)).status, 200);

    upstream.proxy.requests.length = 0;
    const clean = await operator(server).reconcile.run();
    assert.deepEqual([clean.differences, clean.owned_upstream, clean.sold, clean.in_flight], [[], 4, 4, []], JSON.stringify(clean));
    assert.deepEqual(upstream.proxy.requests, [LISTING], 'one request: every record copied upstream is named by a number sold');
    await assertUpstreamAgrees(ctx.db, await ownedUpstream(upstream), clean);

    // Planted upstream with the reseller's own key, behind Bilby's back.
    const address = await mirrorOf(ctx, 'address', buyer.addressId);
    const person = await mirrorOf(ctx, 'person', buyer.personId);
    await upstream.reseller.purchase({ did_number: NUMBERS[4]!, address_id: address, person_id: person, ...{ primary_route: 'server', primary_destination: UPSTREAM_ROUTING.destination } });
    await upstream.reseller.numbers.release(NUMBERS[1]!);
    await upstream.reseller.numbers.update(NUMBERS[2]!, { primary_route: 'congestion' });
    const stranger = await upstream.reseller.owners.create({ name_1: 'Stranger', name_2: 'Sam', person_type: 'R' });
    await upstream.reseller.numbers.update(NUMBERS[0]!, { person_id: stranger.id });
    // Released through Bilby: the other customer's records copied upstream are used by no number now.
    assert.equal(await release(server, other, NUMBERS[3]!), 200);
    const otherAddress = await mirrorOf(ctx, 'address', other.addressId);
    const otherPerson = await mirrorOf(ctx, 'person', other.personId);

    const mirrorsBefore = await ctx.db.selectFrom('upstream_record').selectAll().orderBy('upstream_id').execute();
    const balanceBefore = (await upstream.reseller.balance()).balance;
    upstream.proxy.requests.length = 0;
    const found = await operator(server).reconcile.run();
    assert.deepEqual(found.differences, [
      { kind: 'owned_not_sold', did_number: NUMBERS[4], local_status: 'available', detail: `Upstream holds ${NUMBERS[4]} and no customer has it (it is available here)` },
      { kind: 'sold_not_owned', did_number: NUMBERS[1], account_id: buyer.accountId, detail: `${NUMBERS[1]} is sold to ${buyer.accountId} and upstream does not hold it` },
      {
        kind: 'ipnd_differs',
        did_number: NUMBERS[0],
        expected: { address_id: address, person_id: person },
        actual: { address_id: address, person_id: stranger.id },
        detail: `Upstream registers ${NUMBERS[0]} with other IPND records than its customer's`,
      },
      {
        kind: 'routing_differs',
        did_number: NUMBERS[2],
        expected: { ...UPSTREAM_ROUTING },
        actual: { route: 'congestion', destination: null },
        detail: `Upstream routes ${NUMBERS[2]} to congestion instead of server ${UPSTREAM_ROUTING.destination}`,
      },
      { kind: 'orphaned_record', record: 'address', upstream_id: otherAddress, local_id: other.addressId, detail: `Upstream keeps a copy of address ${other.addressId} (${otherAddress}) that no number it holds uses` },
      { kind: 'orphaned_record', record: 'person', upstream_id: otherPerson, local_id: other.personId, detail: `Upstream keeps a copy of person ${other.personId} (${otherPerson}) that no number it holds uses` },
    ]);
    assert.deepEqual(found.difference_counts, { owned_not_sold: 1, sold_not_owned: 1, routing_differs: 1, ipnd_differs: 1, orphaned_record: 2 });
    assert.deepEqual([found.owned_upstream, found.sold], [3, 3]);

    // Nothing changed anywhere: upstream was only read, and no record was copied.
    assert.deepEqual(upstream.proxy.requests, [LISTING, 'GET /api/v1/phone-numbers/addresses/?limit=500', 'GET /api/v1/phone-numbers/owners/?limit=500'], 'upstream only read');
    assert.equal((await upstream.reseller.balance()).balance, balanceBefore);
    assert.deepEqual(await ctx.db.selectFrom('upstream_record').selectAll().orderBy('upstream_id').execute(), mirrorsBefore);
    assert.equal((await upstream.reseller.numbers.get(NUMBERS[2]!)).primary_route, 'congestion', 'reconcile fixes nothing');

    const metrics = await (await fetch(`${server.base}/metrics`)).text();
    assert.deepEqual(
      ['owned_not_sold', 'sold_not_owned', 'routing_differs', 'ipnd_differs', 'orphaned_record'].map((kind) => differenceLine(metrics, kind)),
      ['1', '1', '1', '1', '2'],
    );

    const cli = await runCli(['--base-url', server.base, '--admin-key', RESELLER_ADMIN_KEY, 'admin', 'reconcile', '--last'], {});
    assert.equal(cli.code, 4, cli.stderr);
    assert.match(cli.stdout, /^Reconciled crazytel at \S+: 3 held upstream, 3 sold, 0 in flight\.\n6 differences: 1 owned_not_sold, 1 sold_not_owned, 1 routing_differs, 1 ipnd_differs, 2 orphaned_record\n/);
    for (const difference of found.differences) assert.ok(cli.stdout.includes(difference.detail), `the CLI prints: ${difference.detail}`);

    // INV-UPSTREAM-AGREE needs the number upstream holds unsold listed by reconciliation.
    const owned = await ownedUpstream(upstream);
    await assert.rejects(assertUpstreamAgrees(ctx.db, owned, { differences: [] }), /INV-UPSTREAM-AGREE/);
  });

  it('a purchase under way is no difference, whether upstream bought yet or not; after recovery both sides agree and reconciliation finds nothing', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream, { BILBY_RECOVERY_GRACE_MS: '3000' });
    upstream.proxy.faults.push({ match: 'POST /api/v1/phone-numbers/purchase', kind: 'lose_answer' });
    assert.equal((await buy(server, buyer, NUMBERS[0]!)).body.code, 'upstream_pending');
    upstream.proxy.faults.push({ match: 'POST /api/v1/phone-numbers/purchase', kind: 'drop' });
    assert.equal((await buy(server, buyer, NUMBERS[1]!)).body.code, 'upstream_pending');

    const during = await operator(server).reconcile.run();
    assert.deepEqual(during.differences, []);
    assert.deepEqual(during.in_flight, [
      { did_number: NUMBERS[0], saga: 'purchase', owned_upstream: true },
      { did_number: NUMBERS[1], saga: 'purchase', owned_upstream: false },
    ]);

    await waitFor('recovery', async () => (await ctx.db.selectFrom('purchase_order').select('id').where('status', '=', 'pending').execute()).length === 0);
    const after = await operator(server).reconcile.run();
    assert.deepEqual([after.differences, after.in_flight, after.sold, after.owned_upstream], [[], [], 1, 1]);
    await server.stop();
    await assertInvariants(ctx.db, crazyTelCarrier(ctx, upstream.process.base, upstream.resellerKey), { settled: true });
    await assertUpstreamAgrees(ctx.db, await ownedUpstream(upstream), after);
  });

  it("wants an account's own upstream route where the operator set one; a change queued for upstream is in flight, its routing and records not compared until it is pushed", async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    await upstream.admin.destinations.create(upstream.resellerAccountId, { route: 'server', destination: OTHER_SIP });
    const server = await startReseller(t, ctx, upstream);
    for (const number of NUMBERS.slice(0, 2)) assert.equal((await buy(server, buyer, number)).status, 200);
    const operatorKey = { authorization: `Bearer ${RESELLER_ADMIN_KEY}` };
    const route = await call(server, 'PUT', `/admin/v1/accounts/${buyer.accountId}/upstream-route`, operatorKey, { route: 'server', destination: OTHER_SIP });
    assert.equal(route.status, 200, JSON.stringify(route.body));
    await waitFor('the account reconfigured upstream', async () => (await queuedChanges(ctx)).length === 0);
    const routed = await operator(server).reconcile.run();
    assert.deepEqual([routed.differences, routed.in_flight], [[], []], 'the account route is the one wanted');

    // Upstream fails the push of a new owner: the change stays queued.
    for (let i = 0; i < 3; i++) upstream.proxy.faults.push({ match: 'PATCH /api/v1/phone-numbers', kind: 'answer', status: 500, body: { detail: 'boom' } });
    const person = await call(server, 'POST', '/api/v1/account/person/', { 'x-crazytel-api-key': buyer.key }, { name_1: 'Moved Pty Ltd', person_type: 'B' });
    assert.equal(person.status, 201);
    assert.equal((await call(server, 'PATCH', '/api/v1/phone-numbers', { 'x-crazytel-api-key': buyer.key }, { did_number: NUMBERS[0], person_id: person.body.id })).status, 200);
    await waitFor('the push to fail', async () => (await queuedChanges(ctx)).some((change) => change.attempts > 0));
    const during = await operator(server).reconcile.run();
    assert.deepEqual(during.differences, [], 'neither ipnd_differs nor the new owner copied upstream as an orphan');
    assert.deepEqual(during.in_flight, [{ did_number: NUMBERS[0], saga: 'change', owned_upstream: true }]);

    upstream.proxy.faults.length = 0;
    await ctx.db.updateTable('upstream_change').set({ next_attempt_at: new Date(0).toISOString() }).execute();
    await waitFor('the retry', async () => (await queuedChanges(ctx)).length === 0);
    const after = await operator(server).reconcile.run();
    assert.deepEqual([after.differences, after.in_flight], [[], []]);
    await server.stop();
    await assertUpstreamAgrees(ctx.db, await ownedUpstream(upstream), after);
  });

  it('runs on its own once per interval across two processes, and one at a time: the other process is told 409 reconcile_running', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const env = { BILBY_RECONCILE_INTERVAL_MS: '60000' };
    const first = await startReseller(t, ctx, upstream, env);
    const second = await startReseller(t, ctx, upstream, env);
    const scheduled = await waitFor('the scheduled reconciliation', () => operator(second).reconcile.last().catch(() => undefined));
    await sleep(1_000);
    assert.equal(upstream.proxy.requests.filter((line) => line === LISTING).length, 1, 'one process ran it, once');
    assert.equal(differenceLine(await (await fetch(`${first.base}/metrics`)).text(), 'owned_not_sold'), '0');
    assert.equal(differenceLine(await (await fetch(`${second.base}/metrics`)).text(), 'owned_not_sold'), '0');

    // Held up upstream, one reconciliation keeps the lease; the other process asked meanwhile refuses.
    assert.equal((await buy(first, buyer, NUMBERS[0]!)).status, 200);
    await upstream.reseller.numbers.release(NUMBERS[0]!);
    upstream.proxy.faults.push({ match: LISTING, kind: 'delay', ms: 1_500 });
    const running = operator(first).reconcile.run();
    await waitFor('the first to be reading upstream', async () => upstream.proxy.requests.filter((line) => line === LISTING).length === 2);
    await assert.rejects(operator(second).reconcile.run(), (error: any) => error.status === 409 && error.code === 'reconcile_running');
    const report: ReconcileReport = await running;
    // Its records upstream are used by no number there, but the number sold names them: no orphans.
    assert.deepEqual(report.differences.map((d) => [d.kind, d.did_number]), [['sold_not_owned', NUMBERS[0]]]);
    assert.ok(report.checked_at > scheduled.checked_at);
    assert.deepEqual((await operator(second).reconcile.last()).differences, report.differences, 'every process reads the last report');
    await waitFor('the metric in the other process', async () => differenceLine(await (await fetch(`${second.base}/metrics`)).text(), 'sold_not_owned') === '1');
    assert.equal((await operator(second).reconcile.run()).differences.length, 1, 'the lease was given back');
  });
}
