import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DialectName } from '../../server/src/store/database.js';
import type { TestAccount, TestContextApi } from './context.js';
import {
  assertAgreesWithUpstream,
  buy,
  NUMBERS,
  resellerEnv,
  setUp,
  startReseller,
  waitFor,
} from './reseller-suite.js';
import { startServer, type ServerProcess } from './server-process.js';
import { UPSTREAM_ROUTING, type Upstream } from './upstream.js';

const OTHER_SIP = 'sip2.reseller.example';
const RESELLER_ADMIN_KEY = 'reseller-admin-key-0123456789';

/** A number's IPND records and routing as upstream holds them. */
async function upstreamView(upstream: Upstream, didNumber: string) {
  const owned = await upstream.reseller.numbers.get(didNumber);
  return { address_id: owned.address_id, person_id: owned.person_id, route: owned.primary_route, destination: owned.primary_destination };
}

async function mirrorOf(ctx: TestContextApi, kind: 'address' | 'person', localId: string): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('upstream_record')
    .select('upstream_id')
    .where('carrier', '=', 'crazytel')
    .where('kind', '=', kind)
    .where('local_id', '=', localId)
    .executeTakeFirst();
  return row?.upstream_id;
}

/** A second address and owner for the buyer, made through the reseller's API. */
async function newRecords(server: ServerProcess, buyer: TestAccount): Promise<{ addressId: string; personId: string }> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${server.base}/api/v1/account/${path}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.key },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()).id as string;
  };
  return {
    addressId: await post('address', { street_number_first: '2', street_name: 'George', city: 'Sydney', state: 'NSW', postcode: '2000' }),
    personId: await post('person', { name_1: 'Moved Pty Ltd', person_type: 'B' }),
  };
}

async function patchNumber(server: ServerProcess, buyer: TestAccount, body: object): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.base}/api/v1/phone-numbers`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.key },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function queued(ctx: TestContextApi) {
  return ctx.db.selectFrom('upstream_change').selectAll().orderBy('did_number').execute();
}

async function adminCall(server: ServerProcess, method: string, path: string, body?: object): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.base}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${RESELLER_ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

/** Changes that must reach upstream (replaced IPND records, an account's upstream route) are a saga of their own. */
export function resellerRoutingSuite(dialect: DialectName): void {
  it("a number's IPND records replaced: mirrored upstream once and the upstream number pointed at them; a crash before upstream hears of it, or upstream failing, is finished later", async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const server = await startReseller(t, ctx, upstream);
    for (const number of NUMBERS.slice(0, 2)) assert.equal((await buy(server, buyer, number)).status, 200);
    const original = await upstreamView(upstream, NUMBERS[0]!);
    const moved = await newRecords(server, buyer);

    upstream.proxy.requests.length = 0;
    const patched = await patchNumber(server, buyer, { did_number: NUMBERS[0], address_id: moved.addressId, person_id: moved.personId });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.address_id, moved.addressId);
    await waitFor('upstream to hear of the new records', async () => (await queued(ctx)).length === 0 && (await upstreamView(upstream, NUMBERS[0]!)).address_id !== original.address_id);
    const mirrored = { address_id: await mirrorOf(ctx, 'address', moved.addressId), person_id: await mirrorOf(ctx, 'person', moved.personId) };
    assert.ok(mirrored.address_id && mirrored.person_id, 'the new records are mirrored');
    assert.deepEqual(await upstreamView(upstream, NUMBERS[0]!), { ...mirrored, route: UPSTREAM_ROUTING.route, destination: UPSTREAM_ROUTING.destination });
    assert.deepEqual(upstream.proxy.requests, [
      `GET /api/v1/phone-numbers/${NUMBERS[0]}`,
      'POST /api/v1/account/address/',
      'POST /api/v1/account/person/',
      'PATCH /api/v1/phone-numbers',
    ], 'told once: the push right after the change and maintenance never both send it');

    // The same records on a second number: the mirrors are reused.
    upstream.proxy.requests.length = 0;
    assert.equal((await patchNumber(server, buyer, { did_number: NUMBERS[1], address_id: moved.addressId, person_id: moved.personId })).status, 200);
    await waitFor('the second number upstream', async () => (await upstreamView(upstream, NUMBERS[1]!)).address_id === mirrored.address_id);
    assert.deepEqual(upstream.proxy.requests, [`GET /api/v1/phone-numbers/${NUMBERS[1]}`, 'PATCH /api/v1/phone-numbers']);
    // A change upstream does not hold (the description) is not sent there.
    upstream.proxy.requests.length = 0;
    assert.equal((await patchNumber(server, buyer, { did_number: NUMBERS[1], description: 'front desk' })).status, 200);
    assert.deepEqual([await queued(ctx), upstream.proxy.requests], [[], []]);

    // Upstream fails the change: the answer is still 200, the change stays queued, and is retried.
    upstream.proxy.faults.push({ match: 'PATCH /api/v1/phone-numbers', kind: 'answer', status: 500, body: { detail: 'boom' } });
    assert.equal((await patchNumber(server, buyer, { did_number: NUMBERS[1], address_id: buyer.addressId, person_id: buyer.personId })).status, 200);
    const postponed = await waitFor('the failure to be recorded', async () => (await queued(ctx)).find((change) => change.attempts > 0));
    assert.equal(postponed.did_number, NUMBERS[1]);
    assert.match(postponed.last_error ?? '', /.+/);
    assert.equal((await upstreamView(upstream, NUMBERS[1]!)).address_id, mirrored.address_id, 'upstream unchanged so far');
    // Time passes to the retry.
    await ctx.db.updateTable('upstream_change').set({ next_attempt_at: new Date(0).toISOString() }).execute();
    await waitFor('the retry', async () => (await queued(ctx)).length === 0);
    assert.equal((await upstreamView(upstream, NUMBERS[1]!)).address_id, original.address_id);
    await server.stop();

    // Killed after the change committed, before upstream was told: recovery tells it.
    // Its maintenance runs only at start (before the change): a pass that claimed the change just
    // before the crash would hold it for its claim's length.
    const doomed = await startServer([], resellerEnv(ctx, upstream, { BILBY_CRASH_POINT: 'before_upstream_change', BILBY_RECOVERY_INTERVAL_MS: '3600000' }));
    const answer = await patchNumber(doomed, buyer, { did_number: NUMBERS[0], address_id: buyer.addressId, person_id: buyer.personId }).then(
      () => 'answered',
      () => 'connection lost',
    );
    assert.equal(answer, 'connection lost');
    assert.equal(await doomed.exited, 'SIGKILL');
    assert.deepEqual((await queued(ctx)).map((change) => change.did_number), [NUMBERS[0]]);
    assert.equal((await upstreamView(upstream, NUMBERS[0]!)).address_id, mirrored.address_id, 'upstream not told before the crash');
    const restarted = await startReseller(t, ctx, upstream);
    await waitFor('recovery to tell upstream', async () => (await queued(ctx)).length === 0);
    assert.deepEqual(await upstreamView(upstream, NUMBERS[0]!), original);
    await restarted.stop();
    await assertAgreesWithUpstream(ctx, upstream);
  });

  it("an account's upstream route overridden by the operator: its numbers are reconfigured upstream in the background, its purchases buy with it, other accounts keep the configured route", async (t) => {
    const { ctx, buyer, upstream } = await setUp(t, dialect);
    const other = await ctx.createAccount({ balance: 100_00 });
    await upstream.admin.destinations.create(upstream.resellerAccountId, { route: 'server', destination: OTHER_SIP });
    const server = await startReseller(t, ctx, upstream, { BILBY_ADMIN_KEY: RESELLER_ADMIN_KEY });
    for (const number of NUMBERS.slice(0, 2)) assert.equal((await buy(server, buyer, number)).status, 200);
    assert.equal((await buy(server, other, NUMBERS[2]!)).status, 200);

    const shown = await adminCall(server, 'GET', `/accounts/${buyer.accountId}/upstream-route`);
    assert.deepEqual(shown, {
      status: 200,
      body: { account_id: buyer.accountId, route: 'server', destination: UPSTREAM_ROUTING.destination, overridden: false, pending_numbers: 0 },
    });
    for (const [body, field] of [
      [{ route: 'teleport' }, 'route'],
      [{ route: 'server', destination: 'not a host!' }, 'destination'],
      [{ route: 'server' }, 'destination'],
      [{ route: 'congestion', destination: OTHER_SIP }, 'destination'],
    ] as const) {
      const refused = await adminCall(server, 'PUT', `/accounts/${buyer.accountId}/upstream-route`, body);
      assert.deepEqual([refused.status, refused.body.code, refused.body.errors?.[0]?.field], [400, 'invalid_request', field], JSON.stringify(body));
    }
    assert.equal((await adminCall(server, 'PUT', '/accounts/acc_nobody/upstream-route', { route: 'server', destination: OTHER_SIP })).status, 404);

    const set = await adminCall(server, 'PUT', `/accounts/${buyer.accountId}/upstream-route`, { route: 'server', destination: OTHER_SIP.toUpperCase() });
    assert.deepEqual(set, { status: 200, body: { account_id: buyer.accountId, route: 'server', destination: OTHER_SIP, overridden: true, pending_numbers: 2 } });
    const routedTo = async (didNumber: string) => (await upstreamView(upstream, didNumber)).destination;
    await waitFor('the account reconfigured upstream', async () => (await routedTo(NUMBERS[0]!)) === OTHER_SIP && (await routedTo(NUMBERS[1]!)) === OTHER_SIP);
    assert.equal(await routedTo(NUMBERS[2]!), UPSTREAM_ROUTING.destination, "another account's number keeps the configured route");
    await waitFor('nothing left to push', async () => (await queued(ctx)).length === 0);
    assert.equal((await adminCall(server, 'GET', `/accounts/${buyer.accountId}/upstream-route`)).body.pending_numbers, 0);

    upstream.proxy.requests.length = 0;
    assert.equal((await buy(server, buyer, NUMBERS[3]!)).status, 200);
    assert.deepEqual(upstream.proxy.requests, ['POST /api/v1/phone-numbers/purchase'], 'bought with the account route in one call');
    assert.equal(await routedTo(NUMBERS[3]!), OTHER_SIP);

    const cleared = await adminCall(server, 'DELETE', `/accounts/${buyer.accountId}/upstream-route`);
    assert.deepEqual([cleared.status, cleared.body.overridden, cleared.body.destination, cleared.body.pending_numbers], [200, false, UPSTREAM_ROUTING.destination, 3]);
    await waitFor('the configured route back upstream', async () => {
      for (const number of NUMBERS) if ((await routedTo(number)) !== UPSTREAM_ROUTING.destination) return false;
      return (await queued(ctx)).length === 0;
    });
    await server.stop();
    await assertAgreesWithUpstream(ctx, upstream);
  });
}
