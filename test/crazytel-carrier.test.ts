import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import type { ProvisionRequest } from '../server/src/carriers/carrier.js';
import { setAccountUpstreamRoute } from '../server/src/store/account-store.js';
import { createTestContext, type TestAccount } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { crazyTelCarrier, startUpstream, UPSTREAM_ROUTING } from './helpers/upstream.js';

const NUMBERS = ['61291234567', '61291234568', '61291234569'];

async function startNumbersUpstream(t: TestContext) {
  return startUpstream(t, { numbers: NUMBERS });
}

function provisionRequest(buyer: TestAccount, orderId: string, didNumber: string): ProvisionRequest {
  return {
    orderId,
    didNumber,
    accountId: buyer.accountId,
    addressId: buyer.addressId,
    personId: buyer.personId,
    routing: { route: 'device', destination: '1000000' },
  };
}

describeEachDatabase('the crazytel carrier', (dialect) => {
  it("buys upstream with the buyer's IPND records, mirrored once, and the reseller's routing; asks upstream what it owns", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    const { proxy, reseller, resellerKey } = await startNumbersUpstream(t);
    const carrier = crazyTelCarrier(ctx, proxy.url, resellerKey);

    // The first purchase: the address and the person are created upstream, then the number bought.
    const first = await carrier.provision(provisionRequest(buyer, 'ord_1', NUMBERS[0]!));
    assert.equal(first.status, 'provisioned');
    assert.deepEqual(proxy.requests, ['POST /api/v1/account/address/', 'POST /api/v1/account/person/', 'POST /api/v1/phone-numbers/purchase']);
    assert.ok(proxy.seen.every((headers) => headers['idempotency-key'] === undefined), 'CrazyTel takes no idempotency keys');
    const [upstreamAddress] = (await reseller.addresses.list()).results;
    const [upstreamPerson] = (await reseller.owners.list()).results;
    const localAddress = await ctx.db.selectFrom('address').selectAll().where('id', '=', buyer.addressId).executeTakeFirstOrThrow();
    const localPerson = await ctx.db.selectFrom('person').selectAll().where('id', '=', buyer.personId).executeTakeFirstOrThrow();
    assert.deepEqual(
      [upstreamAddress?.city, upstreamAddress?.state, upstreamAddress?.postcode, upstreamAddress?.street_name],
      [localAddress.city, localAddress.state, localAddress.postcode, localAddress.street_name],
    );
    assert.deepEqual([upstreamPerson?.name_1, upstreamPerson?.person_type], [localPerson.name_1, localPerson.person_type]);
    const owned = await reseller.numbers.get(NUMBERS[0]!);
    assert.deepEqual(
      [owned.address_id, owned.person_id, owned.primary_route, owned.primary_destination],
      [upstreamAddress?.id, upstreamPerson?.id, 'server', 'sip.reseller.example'],
    );
    const mirrors = await ctx.db.selectFrom('upstream_record').select(['kind', 'local_id', 'upstream_id']).orderBy('kind').execute();
    assert.deepEqual(mirrors, [
      { kind: 'address', local_id: buyer.addressId, upstream_id: upstreamAddress?.id },
      { kind: 'person', local_id: buyer.personId, upstream_id: upstreamPerson?.id },
    ]);

    // The next purchase naming the same records makes one upstream call.
    proxy.requests.length = 0;
    assert.equal((await carrier.provision(provisionRequest(buyer, 'ord_2', NUMBERS[1]!))).status, 'provisioned');
    assert.deepEqual(proxy.requests, ['POST /api/v1/phone-numbers/purchase']);

    // Asked again for a number upstream already sold us (an answer lost), it says provisioned and buys nothing.
    const balanceBefore = (await reseller.balance()).balance;
    assert.equal((await carrier.provision(provisionRequest(buyer, 'ord_1', NUMBERS[0]!))).status, 'provisioned');
    assert.equal((await reseller.balance()).balance, balanceBefore, 'charged upstream once');

    assert.deepEqual(await carrier.lookup({ orderId: 'ord_1', didNumber: NUMBERS[0]! }), {
      status: 'provisioned',
      reference: `crazytel:${NUMBERS[0]}`,
      routing: UPSTREAM_ROUTING,
    });
    assert.deepEqual(await carrier.lookup({ orderId: 'ord_3', didNumber: NUMBERS[2]! }), { status: 'absent' });
    assert.deepEqual(await carrier.listProvisioned(), [NUMBERS[0], NUMBERS[1]]);

    await carrier.release(NUMBERS[0]!);
    await carrier.release(NUMBERS[0]!); // releasing a number no longer held succeeds
    assert.deepEqual(await carrier.listProvisioned(), [NUMBERS[1]]);
    assert.deepEqual(await carrier.lookup({ orderId: 'ord_1', didNumber: NUMBERS[0]! }), { status: 'absent' });
  });

  it('two purchases mirroring the same records at once both buy with the one mapping kept', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    const { proxy, reseller, resellerKey } = await startNumbersUpstream(t);
    const carrier = crazyTelCarrier(ctx, proxy.url, resellerKey);
    const outcomes = await Promise.all(NUMBERS.slice(0, 2).map((number, i) => carrier.provision(provisionRequest(buyer, `ord_${i}`, number))));
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['provisioned', 'provisioned']);
    const kept = await ctx.db.selectFrom('upstream_record').select(['kind', 'upstream_id']).orderBy('kind').execute();
    assert.equal(kept.length, 2, 'one mapping per record');
    for (const number of NUMBERS.slice(0, 2)) {
      const owned = await reseller.numbers.get(number);
      assert.deepEqual([owned.address_id, owned.person_id], kept.map((row) => row.upstream_id), `${number} names the kept upstream records`);
    }
  });

  it('refuses a number upstream does not have, and says so as a refusal, not an unknown outcome', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    const { proxy, resellerKey } = await startNumbersUpstream(t);
    const carrier = crazyTelCarrier(ctx, proxy.url, resellerKey);
    assert.deepEqual(await carrier.provision(provisionRequest(buyer, 'ord_x', '61299999999')), {
      status: 'failed',
      reason: 'upstream: the number is not available',
      cause: 'number_unavailable',
    });
  });
});

describeEachDatabase('the crazytel carrier audits what upstream holds', (dialect) => {
  it('reports routing and IPND records that differ from what Bilby wants, and copies no record while it reads', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const buyer = await ctx.createAccount();
    const stranger = await ctx.createAccount();
    const { proxy, reseller, resellerKey } = await startNumbersUpstream(t);
    const carrier = crazyTelCarrier(ctx, proxy.url, resellerKey);
    for (const [i, number] of NUMBERS.slice(0, 2).entries()) {
      assert.equal((await carrier.provision(provisionRequest(buyer, `ord_${i}`, number))).status, 'provisioned');
    }
    const sold = NUMBERS.slice(0, 2).map((number, i) => provisionRequest(buyer, `ord_${i}`, number));
    assert.deepEqual(await carrier.audit(sold), { held: NUMBERS.slice(0, 2), misconfigured: [], orphanedRecords: [] });

    await reseller.numbers.update(NUMBERS[1]!, { primary_route: 'congestion' });
    const mirrorsBefore = await ctx.db.selectFrom('upstream_record').selectAll().execute();
    proxy.requests.length = 0;
    const audit = await carrier.audit([...sold, provisionRequest(stranger, 'ord_9', NUMBERS[0]!)]);
    assert.deepEqual(audit.misconfigured, [
      { kind: 'routing_differs', didNumber: NUMBERS[1], expected: UPSTREAM_ROUTING, actual: { route: 'congestion', destination: null } },
      {
        kind: 'ipnd_differs',
        didNumber: NUMBERS[0],
        expected: { address_id: null, person_id: null },
        actual: { address_id: mirrorsBefore.find((r) => r.kind === 'address')!.upstream_id, person_id: mirrorsBefore.find((r) => r.kind === 'person')!.upstream_id },
      },
    ]);
    assert.ok(proxy.requests.every((line) => line.startsWith('GET ')), `only reads upstream: ${proxy.requests.join(', ')}`);
    assert.deepEqual(await ctx.db.selectFrom('upstream_record').selectAll().execute(), mirrorsBefore, 'no record mirrored');

    // The operator's upstream route for the account, where it has one, is the one wanted.
    await setAccountUpstreamRoute(ctx.db, buyer.accountId, { route: 'congestion', destination: null });
    assert.deepEqual((await carrier.audit([sold[1]!])).misconfigured, []);
    await setAccountUpstreamRoute(ctx.db, buyer.accountId, { route: null, destination: null });

    // Once neither number is held, the records copied for them are orphans.
    for (const number of NUMBERS.slice(0, 2)) await carrier.release(number);
    const orphans = (await carrier.audit([])).orphanedRecords;
    assert.deepEqual(
      orphans.map((o) => [o.record, o.localId, o.upstreamId]),
      mirrorsBefore.map((r) => [r.kind, r.local_id, r.upstream_id]),
    );
  });
});
