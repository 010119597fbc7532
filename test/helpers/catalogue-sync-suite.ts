import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, createClient, type CatalogueSync } from '../../sdk/src/index.js';
import type { DialectName } from '../../server/src/store/database.js';
import { createTestContext, type TestAccount, type TestContextApi } from './context.js';
import { buy, resellerEnv } from './reseller-suite.js';
import { startServer, type ServerProcess } from './server-process.js';
import { startUpstream, stockUpstream, type Upstream, type UpstreamStock } from './upstream.js';

const RESELLER_ADMIN_KEY = 'reseller-admin-key-0123456789';
const LISTING = 'GET /api/v1/phone-numbers/available-numbers/';
/** Australian geographic numbers are read a state at a time, New Zealand's in one listing. */
const GEOGRAPHIC_SLICES = 8 + 1;

/** What upstream sells at first: three NSW numbers at $1 + $5, a Victorian one at $2 + $6, a mobile at $0 + $10. */
const UPSTREAM_STOCK: UpstreamStock[] = [
  { number: '61291230001', state: 'NSW', city: 'Sydney' },
  { number: '61291230002', state: 'NSW', city: 'Sydney' },
  { number: '61291230003', state: 'NSW', city: 'Sydney' },
  { number: '61391230004', state: 'VIC', city: 'Melbourne', setup: '2.00', monthly: '6.00' },
  { number: '61412300005', setup: '0', monthly: '10.00' },
];
/** One of the reseller's own ranges (the simulated carrier), which upstream happens to list too. */
const OWN_NUMBER = '61291230009';

/** The reseller's rule for geographic numbers: 20% + 50c setup + $1 a month, rounded up to .95. */
const GEOGRAPHIC_RULE = { markup_percent: 20, setup_markup: 0.5, monthly_markup: 1, rounding: 'up_to_95_cents' } as const;

/** The reseller's environment (reseller-suite's), with an operator key; reconciliation off and maintenance at its default pace. */
function catalogueEnv(ctx: TestContextApi, upstream: Upstream, env: Record<string, string> = {}): Record<string, string> {
  // Only the sync reads upstream here: these tests count its requests.
  return resellerEnv(ctx, upstream, { BILBY_ADMIN_KEY: RESELLER_ADMIN_KEY, BILBY_RECONCILE_INTERVAL_MS: '0', BILBY_RECOVERY_INTERVAL_MS: '30000', ...env });
}

async function startReseller(t: TestContext, ctx: TestContextApi, upstream: Upstream, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServer([], catalogueEnv(ctx, upstream, env));
  t.after(() => server.stop());
  return server;
}

function operatorOf(server: ServerProcess) {
  return createClient({ baseUrl: server.base, adminKey: RESELLER_ADMIN_KEY, retryConnectFailures: false }).admin;
}

async function setUp(t: TestContext, dialect: DialectName, stock: UpstreamStock[] = UPSTREAM_STOCK) {
  const ctx = await createTestContext(t, dialect);
  const buyer = await ctx.createAccount({ balance: 100_00 });
  await ctx.seedNumbers([{ number: OWN_NUMBER, setup: 3_00, monthly: 3_00 }]);
  const upstream = await startUpstream(t, { numbers: [], stock: [...stock, { number: OWN_NUMBER, setup: '0.10', monthly: '0.10' }] });
  return { ctx, buyer, upstream };
}

/** Starts a sync and waits for its end. */
async function sync(server: ServerProcess): Promise<CatalogueSync> {
  const operator = operatorOf(server);
  const started = await operator.inventory.sync();
  assert.equal(started.status, 'running');
  return finished(server, started.id);
}

async function finished(server: ServerProcess, syncId: string): Promise<CatalogueSync> {
  const operator = operatorOf(server);
  for (let i = 0; i < 600; i++) {
    const run = await operator.inventory.syncs.get(syncId);
    if (run.status !== 'running') return run;
    await sleep(50);
  }
  throw new Error(`sync ${syncId} did not finish`);
}

function counts(run: CatalogueSync) {
  return { added: run.added, repriced: run.repriced, withdrawn: run.withdrawn, unchanged: run.unchanged };
}

interface Stocked {
  status: string;
  carrier: string;
  price: [number, number];
  upstreamCost: [number, number] | null;
}

async function stocked(ctx: TestContextApi): Promise<Record<string, Stocked>> {
  const rows = await ctx.db
    .selectFrom('phone_number')
    .select(['did_number', 'status', 'carrier', 'setup_cost_cents', 'monthly_cost_cents', 'upstream_setup_cost_cents', 'upstream_monthly_cost_cents'])
    .orderBy('did_number')
    .execute();
  return Object.fromEntries(
    rows.map((row) => [
      row.did_number,
      {
        status: row.status,
        carrier: row.carrier,
        price: [Number(row.setup_cost_cents), Number(row.monthly_cost_cents)],
        upstreamCost: row.upstream_setup_cost_cents === null ? null : [Number(row.upstream_setup_cost_cents), Number(row.upstream_monthly_cost_cents)],
      },
    ]),
  );
}

function listingsSeen(upstream: Upstream): number {
  return upstream.proxy.requests.filter((line) => line.startsWith(LISTING)).length;
}


/** The catalogue sync end to end: a reseller Bilby with the crazytel carrier, a second Bilby as its upstream. */
export function catalogueSyncSuite(dialect: DialectName): void {
  it("a first sync adds upstream's numbers at the rule's prices with their upstream cost, one listing request per page, leaving own ranges and types without a rule alone", async (t) => {
    const { ctx, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream);
    const operator = operatorOf(server);
    await operator.pricingRules.set('geographic', GEOGRAPHIC_RULE);
    upstream.proxy.requests.length = 0;

    const run = await sync(server);
    assert.equal(run.status, 'completed', JSON.stringify(run));
    // The own number is listed upstream too, but it is the reseller's: left as it is.
    assert.deepEqual(counts(run), { added: 4, repriced: 0, withdrawn: 0, unchanged: 1 });
    assert.deepEqual(run.skipped_types, ['mobile', 'tollfree', 'local_rate']);
    assert.deepEqual([run.slices_total, run.slices_done, run.pages_read, run.numbers_seen], [GEOGRAPHIC_SLICES, GEOGRAPHIC_SLICES, GEOGRAPHIC_SLICES, 5]);
    assert.equal(listingsSeen(upstream), GEOGRAPHIC_SLICES, 'one request per page, nothing else');
    assert.equal(upstream.proxy.requests.length, GEOGRAPHIC_SLICES);
    assert.ok(upstream.proxy.requests.every((line) => /[?&]limit=1000\b/.test(line)), 'pages as large as the upstream gives');

    // $1.00 + 20c + 50c = $1.70 → $1.95; $5.00 + $1.00 + $1.00 = $7.00 → $7.95. Victorian: $2.90 → $2.95, $8.20 → $8.95.
    const nsw: Stocked = { status: 'available', carrier: 'crazytel', price: [1_95, 7_95], upstreamCost: [1_00, 5_00] };
    assert.deepEqual(await stocked(ctx), {
      '61291230001': nsw,
      '61291230002': nsw,
      '61291230003': nsw,
      [OWN_NUMBER]: { status: 'available', carrier: 'simulated', price: [3_00, 3_00], upstreamCost: null },
      '61391230004': { status: 'available', carrier: 'crazytel', price: [2_95, 8_95], upstreamCost: [2_00, 6_00] },
    });
    const victorian = await operator.numbers.get('61391230004');
    assert.deepEqual([victorian.state, victorian.city, victorian.area_code], ['VIC', 'Melbourne', '03']);

    // Nothing changed upstream: a second sync changes nothing here.
    const again = await sync(server);
    assert.deepEqual(counts(again), { added: 0, repriced: 0, withdrawn: 0, unchanged: 5 });
    assert.deepEqual((await operator.inventory.syncs.list()).map((r) => r.id), [again.id, run.id]);
  });

  it('a second sync after upstream changes withdraws the number gone, reprices the one whose cost changed and adds the new one; a sold number and an own-range number stay as they are', async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream);
    const operator = operatorOf(server);
    await operator.pricingRules.set('geographic', GEOGRAPHIC_RULE);
    assert.equal((await sync(server)).status, 'completed');

    // A customer buys one: upstream sells it to the reseller, so it leaves upstream's listing.
    assert.equal((await buy(server, buyer, '61291230003')).status, 200);
    // Upstream: one number gone, one dearer, one new.
    assert.deepEqual((await upstream.admin.inventory.withdraw(['61291230001'])).changed, ['61291230001']);
    await upstream.admin.numbers.setPrice('61291230002', { setup_cost: 1, monthly_cost: 6 });
    await stockUpstream(upstream.admin, [{ number: '61291230006', state: 'NSW', city: 'Sydney', setup: '0.50', monthly: '4.00' }]);

    const second = await sync(server);
    assert.equal(second.status, 'completed', JSON.stringify(second));
    assert.deepEqual(counts(second), { added: 1, repriced: 1, withdrawn: 1, unchanged: 2 });
    const after = await stocked(ctx);
    assert.deepEqual(after['61291230001'], { status: 'withdrawn', carrier: 'crazytel', price: [1_95, 7_95], upstreamCost: [1_00, 5_00] });
    // $6.00 + $1.20 + $1.00 = $8.20 → $8.95.
    assert.deepEqual(after['61291230002'], { status: 'available', carrier: 'crazytel', price: [1_95, 8_95], upstreamCost: [1_00, 6_00] });
    assert.deepEqual(after['61291230003'], { status: 'active', carrier: 'crazytel', price: [1_95, 7_95], upstreamCost: [1_00, 5_00] }, 'sold: untouched');
    // 50c + 10c + 50c = $1.10 → $1.95; $4.00 + 80c + $1.00 = $5.80 → $5.95.
    assert.deepEqual(after['61291230006'], { status: 'available', carrier: 'crazytel', price: [1_95, 5_95], upstreamCost: [50, 4_00] });
    assert.deepEqual(after[OWN_NUMBER], { status: 'available', carrier: 'simulated', price: [3_00, 3_00], upstreamCost: null }, 'own range: untouched');
    const order = await ctx.db.selectFrom('purchase_order').selectAll().where('did_number', '=', '61291230003').executeTakeFirstOrThrow();
    assert.deepEqual([Number(order.amount_cents), Number(order.upstream_setup_cost_cents), Number(order.upstream_monthly_cost_cents)], [9_90, 1_00, 5_00]);

    // The number withdrawn as gone comes back when upstream offers it again; one the operator withdrew does not.
    await operator.inventory.withdraw(['61291230002']);
    await upstream.admin.inventory.reinstate(['61291230001']);
    const third = await sync(server);
    assert.deepEqual(counts(third), { added: 1, repriced: 0, withdrawn: 0, unchanged: 4 });
    const last = await stocked(ctx);
    assert.equal(last['61291230001']!.status, 'available');
    assert.equal(last['61291230002']!.status, 'withdrawn', "the operator's withdrawal stands");
  });

  it("a sync takes only the budget's background share: it waits once the purchases' share is all that is left, while a purchase goes at once; shutdown stops it", async (t) => {
    // 12 requests a minute: a sync may use 10 of them, leaving 2 for purchases. With mobile numbers
    // too it needs 11 pages (9 geographic, Australian and New Zealand mobiles).
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    // The buyer's IPND records were copied upstream by an earlier purchase: a purchase is one request.
    const address = await upstream.reseller.addresses.create({ city: 'Sydney', state: 'NSW', postcode: '2000' });
    const person = await upstream.reseller.owners.create({ name_1: 'Citizen', name_2: 'Jane', person_type: 'R' });
    await ctx.db
      .insertInto('upstream_record')
      .values([
        { carrier: 'crazytel', kind: 'address', local_id: buyer.addressId, upstream_id: address.id, created_at: new Date().toISOString() },
        { carrier: 'crazytel', kind: 'person', local_id: buyer.personId, upstream_id: person.id, created_at: new Date().toISOString() },
      ])
      .execute();
    const server = await startReseller(t, ctx, upstream, { BILBY_UPSTREAM_RATE_PER_MINUTE: '12' });
    const operator = operatorOf(server);
    await operator.pricingRules.set('geographic', GEOGRAPHIC_RULE);
    await operator.pricingRules.set('mobile', { markup_percent: 10 });
    upstream.proxy.requests.length = 0;

    const started = await operator.inventory.sync();
    assert.equal(started.slices_total, GEOGRAPHIC_SLICES + 2);
    let run = started;
    for (let i = 0; i < 200 && run.pages_read < 10; i++) {
      await sleep(50);
      run = await operator.inventory.syncs.get(started.id);
    }
    assert.equal(run.pages_read, 10);
    await sleep(1_500);
    run = await operator.inventory.syncs.get(started.id);
    assert.deepEqual([run.status, run.pages_read, listingsSeen(upstream)], ['running', 10, 10], 'waiting for its turn, having sent nothing more');

    const before = Date.now();
    assert.equal((await buy(server, buyer, '61291230001')).status, 200);
    assert.ok(Date.now() - before < 5_000, 'the purchase did not wait behind the sync');
    assert.deepEqual(upstream.proxy.requests.filter((line) => !line.startsWith(LISTING)), ['POST /api/v1/phone-numbers/purchase']);
    assert.equal(listingsSeen(upstream), 10);

    await server.stop();
    const stopped = await ctx.db.selectFrom('catalogue_sync').selectAll().where('id', '=', started.id).executeTakeFirstOrThrow();
    assert.equal(stopped.status, 'failed');
    assert.match(stopped.error ?? '', /shutting down/);
    const lease = await ctx.db.selectFrom('task_lease').selectAll().executeTakeFirstOrThrow();
    assert.equal(Number(lease.expires_at_ms), 0, 'the lease given back');
  });

  it('two syncs at once: of two server processes asked together, one syncs and the other answers sync_in_progress', async (t) => {
    const { ctx, upstream } = await setUp(t, dialect);
    const first = await startReseller(t, ctx, upstream);
    const second = await startReseller(t, ctx, upstream);
    await operatorOf(first).pricingRules.set('geographic', GEOGRAPHIC_RULE);
    // Each listing is held a little, so the first sync is still running when the second is asked.
    for (let i = 0; i < GEOGRAPHIC_SLICES; i++) upstream.proxy.faults.push({ match: LISTING, kind: 'delay', ms: 100 });
    upstream.proxy.requests.length = 0;

    const answers = await Promise.allSettled([operatorOf(first).inventory.sync(), operatorOf(second).inventory.sync()]);
    const started = answers.filter((answer) => answer.status === 'fulfilled');
    const refused = answers.filter((answer) => answer.status === 'rejected');
    assert.equal(started.length, 1, JSON.stringify(answers));
    assert.equal(refused.length, 1);
    const error = (refused[0] as PromiseRejectedResult).reason;
    assert.ok(error instanceof ConflictError, String(error));
    assert.equal(error.code, 'sync_in_progress');
    const runner = answers[0]!.status === 'fulfilled' ? first : second;
    const run = await finished(runner, (started[0] as PromiseFulfilledResult<CatalogueSync>).value.id);
    assert.equal(run.status, 'completed');
    assert.equal(listingsSeen(upstream), GEOGRAPHIC_SLICES, 'the upstream was read once');
    const runs = await ctx.db.selectFrom('catalogue_sync').select('id').execute();
    assert.equal(runs.length, 1);

    // Finished, the lease is free: the other process may sync now.
    const other = runner === first ? second : first;
    assert.equal((await sync(other)).status, 'completed');
  });

  it('the periodic sync (BILBY_UPSTREAM_SYNC_INTERVAL): two server processes sync once an interval between them', async (t) => {
    const { ctx, upstream } = await setUp(t, dialect);
    assert.equal((await ctx.admin('PUT', '/pricing-rules/geographic', { body: GEOGRAPHIC_RULE })).status, 200);
    const periodic = { BILBY_UPSTREAM_SYNC_INTERVAL: '1h', BILBY_RECOVERY_INTERVAL_MS: '100' };
    await Promise.all([startReseller(t, ctx, upstream, periodic), startReseller(t, ctx, upstream, periodic)]);
    const runs = () => ctx.db.selectFrom('catalogue_sync').selectAll().orderBy('started_at').execute();
    for (let i = 0; i < 200 && !(await runs()).some((run) => run.status === 'completed'); i++) await sleep(50);
    await sleep(1_000); // ten more maintenance passes in each process
    const first = await runs();
    assert.deepEqual(first.map((run) => [run.status, run.started_by]), [['completed', 'schedule']]);
    assert.equal(Number(first[0]!.added), 4);
    assert.equal(listingsSeen(upstream), GEOGRAPHIC_SLICES);

    // An hour later (the last sync's start moved back): one more sync, by one of the two.
    await ctx.db.updateTable('catalogue_sync').set({ started_at: new Date(Date.now() - 3_600_001).toISOString() }).execute();
    for (let i = 0; i < 200 && (await runs()).filter((run) => run.status === 'completed').length < 2; i++) await sleep(50);
    await sleep(1_000);
    const second = await runs();
    assert.deepEqual(second.map((run) => run.status), ['completed', 'completed']);
    assert.deepEqual([Number(second[1]!.added), Number(second[1]!.unchanged)], [0, 5]);
    assert.equal(listingsSeen(upstream), 2 * GEOGRAPHIC_SLICES);
  });

  it('a sync killed part way leaves what it finished; the next sync, once the dead one\'s lease has expired, converges to the same stock', async (t) => {
    const { ctx, upstream } = await setUp(t, dialect);
    const doomed = await startServer([], catalogueEnv(ctx, upstream));
    t.after(() => doomed.stop());
    await operatorOf(doomed).pricingRules.set('geographic', GEOGRAPHIC_RULE);
    // ACT, then NSW: the NSW page is held until the process is killed.
    upstream.proxy.faults.push({ match: LISTING, kind: 'pass' }, { match: LISTING, kind: 'delay', ms: 1_500 });
    const started = await operatorOf(doomed).inventory.sync();
    for (let i = 0; i < 200 && upstream.proxy.requests.filter((line) => line.startsWith(LISTING)).length < 2; i++) await sleep(50);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    assert.deepEqual(Object.keys(await stocked(ctx)), [OWN_NUMBER], 'nothing of NSW written');
    upstream.proxy.faults.length = 0;

    const restarted = await startReseller(t, ctx, upstream);
    await assert.rejects(operatorOf(restarted).inventory.sync(), (error: unknown) => error instanceof ConflictError && error.code === 'sync_in_progress');
    // The dead process's lease would expire within a minute; the test does not wait for it.
    await ctx.db.updateTable('task_lease').set({ expires_at_ms: 0 }).execute();
    const run = await sync(restarted);
    assert.deepEqual(counts(run), { added: 4, repriced: 0, withdrawn: 0, unchanged: 1 });
    const abandoned = await operatorOf(restarted).inventory.syncs.get(started.id);
    assert.deepEqual([abandoned.status, abandoned.error], ['failed', 'interrupted: the process running it stopped before it finished']);
    assert.equal(Object.keys(await stocked(ctx)).length, 5);
  });
}
