import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { reconcile } from '../cli/src/commands/admin-reconcile.js';
import { DifferencesFound } from '../cli/src/failures.js';
import type { Carrier } from '../server/src/carriers/carrier.js';
import { AppError } from '../server/src/domain/errors.js';
import { newId } from '../server/src/domain/ids.js';
import type { ServiceDeps } from '../server/src/services/deps.js';
import { reconcileIfDue, reconcileUpstream } from '../server/src/services/reconcile-upstream.js';
import { openRelease } from '../server/src/store/release-order-store.js';
import { takeLease } from '../server/src/store/task-lease-store.js';
import { createClient } from '../sdk/src/index.js';
import { captureIo, runCli } from './helpers/cli.js';
import { createTestContext, purchaseBody, TEST_ADMIN_KEY, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertUpstreamAgrees } from './helpers/invariants.js';

const NUMBERS = ['61291234560', '61291234561', '61291234562', '61291234563', '61291234564'];
const ZERO = { owned_not_sold: 0, sold_not_owned: 0, routing_differs: 0, ipnd_differs: 0, orphaned_record: 0 };

async function buy(ctx: TestContextApi, buyer: TestAccount, didNumber: string) {
  return ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: buyer.key, body: purchaseBody(buyer, didNumber) });
}

async function metric(ctx: TestContextApi, kind: string): Promise<string | undefined> {
  const text = (await ctx.call('GET', '/metrics')).body as string;
  return new RegExp(`^bilby_upstream_differences\\{carrier="simulated",kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1];
}

/** The carrier, its audits held until `release()` is called. */
function gatedCarrier(carrier: Carrier): { carrier: Carrier; release(): void } {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const gated = new Proxy(carrier, {
    get(target, property) {
      if (property === 'audit') return async (sold: Parameters<Carrier['audit']>[0]) => (await gate, target.audit(sold));
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { carrier: gated, release: () => open() };
}

describeEachDatabase('reconciliation with the simulated carrier', (dialect) => {
  it('reports no difference while both sides agree, then exactly the planted ones, with purchases and releases under way apart', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers(NUMBERS);
    const buyer = await ctx.createAccount();
    for (const number of NUMBERS.slice(0, 3)) assert.equal((await buy(ctx, buyer, number)).status, 200);

    const none = await ctx.admin('GET', '/reconcile');
    assert.deepEqual([none.status, none.body.code], [404, 'not_found']);
    assert.equal(await metric(ctx, 'owned_not_sold'), undefined, 'no metric before the first reconciliation');

    const clean = await ctx.admin('POST', '/reconcile');
    assert.equal(clean.status, 200, JSON.stringify(clean.body));
    assert.deepEqual(
      { ...clean.body, checked_at: 'x' },
      { checked_at: 'x', carrier: 'simulated', owned_upstream: 3, sold: 3, in_flight: [], differences: [], difference_counts: ZERO },
    );
    assert.equal(await metric(ctx, 'owned_not_sold'), '0');
    await assertUpstreamAgrees(ctx.db, await ctx.carrier.listProvisioned(), clean.body);

    // Held by the carrier and sold to nobody; sold and no longer held.
    await ctx.carrier.provision({ orderId: 'ord_elsewhere', didNumber: NUMBERS[3]!, accountId: buyer.accountId, addressId: buyer.addressId, personId: buyer.personId, routing: { route: 'device', destination: '1000000' } });
    await ctx.carrier.release(NUMBERS[1]!);
    // Under way: a purchase whose answer was lost (the carrier holds it), a release the carrier did but Bilby has not finished.
    ctx.carrier.inject({ kind: 'error_after_provisioning' });
    assert.equal((await buy(ctx, buyer, NUMBERS[4]!)).body.code, 'upstream_pending');
    await openRelease(ctx.db, { id: newId('rel'), accountId: buyer.accountId, didNumber: NUMBERS[2]!, at: new Date().toISOString() });
    await ctx.carrier.release(NUMBERS[2]!);

    const found = await ctx.admin('POST', '/reconcile');
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.deepEqual(found.body.differences, [
      { kind: 'owned_not_sold', did_number: NUMBERS[3], local_status: 'available', detail: `Upstream holds ${NUMBERS[3]} and no customer has it (it is available here)` },
      { kind: 'sold_not_owned', did_number: NUMBERS[1], account_id: buyer.accountId, detail: `${NUMBERS[1]} is sold to ${buyer.accountId} and upstream does not hold it` },
    ]);
    assert.deepEqual(found.body.in_flight, [
      { did_number: NUMBERS[2], saga: 'release', owned_upstream: false },
      { did_number: NUMBERS[4], saga: 'purchase', owned_upstream: true },
    ]);
    assert.deepEqual([found.body.owned_upstream, found.body.sold], [3, 2]);
    assert.deepEqual(found.body.difference_counts, { ...ZERO, owned_not_sold: 1, sold_not_owned: 1 });
    assert.deepEqual([await metric(ctx, 'owned_not_sold'), await metric(ctx, 'sold_not_owned'), await metric(ctx, 'routing_differs')], ['1', '1', '0']);
    assert.deepEqual((await ctx.admin('GET', '/reconcile')).body, found.body, 'the last report is kept');

    // Another process's metrics read the same report from the database.
    const peer = await ctx.createPeerApp();
    const peerMetrics = (await peer.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(peerMetrics, /bilby_upstream_differences\{carrier="simulated",kind="sold_not_owned"\} 1/);
    assert.match(peerMetrics, /bilby_upstream_reconciled_timestamp_seconds\{carrier="simulated"\} \d+/);
    // Before the test's folder goes: its SQLite files would otherwise outlive the folder's removal.
    await peer.app.close();
    await peer.database.close();
  });

  it('a number in quarantine that the carrier holds is a difference: its release was finished at the carrier first', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers(NUMBERS.slice(0, 1));
    const buyer = await ctx.createAccount();
    assert.equal((await buy(ctx, buyer, NUMBERS[0]!)).status, 200);
    assert.equal((await ctx.call('DELETE', '/api/v1/phone-numbers', { key: buyer.key, body: { did_number: NUMBERS[0] } })).status, 200);
    assert.deepEqual((await reconcileUpstream(ctx.deps)).differences, [], 'released at the carrier, then quarantined here');

    await ctx.carrier.provision({ orderId: 'ord_again', didNumber: NUMBERS[0]!, accountId: buyer.accountId, addressId: buyer.addressId, personId: buyer.personId, routing: { route: 'device', destination: '1000000' } });
    const report = await reconcileUpstream(ctx.deps);
    assert.deepEqual(report.differences.map((d) => [d.kind, d.did_number, d.local_status]), [['owned_not_sold', NUMBERS[0], 'quarantine']]);
    await assertUpstreamAgrees(ctx.db, await ctx.carrier.listProvisioned(), report);
  });

  it('runs one reconciliation at a time: another asked meanwhile is refused with reconcile_running, and runs once the first is done', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const { carrier, release } = gatedCarrier(ctx.carrier);
    const deps: ServiceDeps = { ...ctx.deps, carrier };
    const first = reconcileUpstream(deps);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await assert.rejects(reconcileUpstream(deps), (error: unknown) => error instanceof AppError && error.code === 'reconcile_running');
    const refused = await ctx.admin('POST', '/reconcile');
    assert.deepEqual([refused.status, refused.body.code], [409, 'reconcile_running']);
    release();
    assert.equal((await first).differences.length, 0);
    assert.equal((await ctx.admin('POST', '/reconcile')).status, 200, 'the lease was given back');

    // A process that died holding the lease holds it up only until it expires.
    assert.ok(await takeLease(ctx.database, 'reconcile:simulated', 'dead', ctx.deps.clock().getTime(), 60_000));
    assert.equal((await ctx.admin('POST', '/reconcile')).status, 409);
    ctx.advanceClock(61_000);
    assert.equal((await ctx.admin('POST', '/reconcile')).status, 200);
  });

  it('runs on its own once per interval across processes: a report younger than the interval is not made again', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const first = await reconcileIfDue(ctx.deps, 60_000);
    assert.ok(first, 'no report yet: due');
    assert.equal(await reconcileIfDue(ctx.deps, 60_000), undefined, 'just made');
    ctx.advanceClock(60_000);
    const next = await reconcileIfDue(ctx.deps, 60_000);
    assert.ok(next && next.checked_at > first.checked_at, 'due again after the interval');
  });

  it('bilby admin reconcile prints the differences as a table and exits 4 when there are any, 0 when there are none', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers(NUMBERS.slice(0, 2));
    const buyer = await ctx.createAccount();
    assert.equal((await buy(ctx, buyer, NUMBERS[0]!)).status, 200);
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    const client = createClient({ baseUrl: base, adminKey: TEST_ADMIN_KEY });

    const clean = captureIo();
    await reconcile(client, {}, clean);
    assert.match(clean.stdout, /^Reconciled simulated at \S+: 1 held upstream, 1 sold, 0 in flight\.\nNo differences\.\n$/);

    await ctx.carrier.release(NUMBERS[0]!);
    const found = captureIo();
    await assert.rejects(reconcile(client, {}, found), DifferencesFound);
    assert.match(found.stdout, /1 differences: 1 sold_not_owned\n\nKIND\s+NUMBER\s+DETAIL\nsold_not_owned\s+61291234560\s+61291234560 is sold to acc_\w+ and upstream does not hold it\n/);

    const cli = await runCli(['--base-url', base, '--admin-key', TEST_ADMIN_KEY, '--json', 'admin', 'reconcile', '--last'], {});
    assert.equal(cli.code, 4, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).differences[0].kind, 'sold_not_owned', 'the JSON is the report alone');
    assert.equal(cli.stderr, '');
  });
});
