import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { SimulatedCarrier } from '../server/src/carriers/simulated/simulated-carrier.js';
import type { ProvisionRequest } from '../server/src/carriers/carrier.js';
import { SimulatedCarrierStore, type CarrierNumberRow } from '../server/src/carriers/simulated/simulated-carrier-store.js';

const ROUTING = { route: 'device', destination: '1000000' } as const;

/** A provision request as a purchase sends it: the order's IPND ids and routing. */
function request(orderId: string, didNumber: string): ProvisionRequest {
  return { orderId, didNumber, accountId: 'acc_1', addressId: 'adr_1', personId: 'per_1', routing: ROUTING };
}

/** The books' row for a number, as a purchase writes it. */
function bookRow(didNumber: string, orderId: string, reference: string): CarrierNumberRow {
  return { did_number: didNumber, order_id: orderId, reference, status: 'provisioned', account_id: 'acc_1', address_id: 'adr_1', person_id: 'per_1', route: 'device', destination: '1000000' };
}

function carrierPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'bilby-carrier-')), 'carrier.db');
}

it('the simulated carrier provisions a number once per order, refuses it to another order until released, and keeps its books', async (t) => {
  const path = carrierPath();
  const carrier = await SimulatedCarrier.open({ path });
  t.after(() => carrier.close());
  const first = await carrier.provision(request('ord_1', '61291234567'));
  assert.equal(first.status, 'provisioned');
  assert.deepEqual(await carrier.provision(request('ord_1', '61291234567')), first, 'asking again for the same order is answered the same');
  assert.deepEqual(await carrier.provision(request('ord_2', '61291234567')), { status: 'failed', reason: 'number is already in service' });
  assert.deepEqual(await carrier.lookup({ orderId: 'ord_1', didNumber: '61291234567' }), { ...first, routing: ROUTING }, 'with the routing the order named');
  assert.deepEqual(await carrier.lookup({ orderId: 'ord_2', didNumber: '61291234567' }), { status: 'absent' });

  await carrier.release('61291234567');
  assert.deepEqual(await carrier.listProvisioned(), []);
  const again = await carrier.provision(request('ord_3', '61291234567'));
  assert.equal(again.status, 'provisioned');
  assert.notDeepEqual(again, first, 'a released number is provisioned anew, with a new reference');

  const reopened = await SimulatedCarrier.open({ path });
  t.after(() => reopened.close());
  assert.deepEqual(await reopened.lookup({ orderId: 'ord_3', didNumber: '61291234567' }), { ...again, routing: ROUTING }, 'the books survive a restart');
});

it('the carrier\'s books never let a second order overwrite a provisioned number', async (t) => {
  const store = await SimulatedCarrierStore.open(carrierPath());
  t.after(() => store.close());
  const at = new Date().toISOString();
  const first = await store.provision(bookRow('61291234568', 'ord_1', 'ref_1'), at);
  assert.deepEqual(first, bookRow('61291234568', 'ord_1', 'ref_1'));
  const second = await store.provision(bookRow('61291234568', 'ord_2', 'ref_2'), at);
  assert.deepEqual(second, first, 'the record already there is returned, unchanged');
  assert.deepEqual(await store.find('61291234568'), first);
  await store.release('61291234568', at);
  const third = await store.provision(bookRow('61291234568', 'ord_3', 'ref_3'), at);
  assert.deepEqual(third, bookRow('61291234568', 'ord_3', 'ref_3'));
});

it('two orders asking the simulated carrier for one number at once: one gets it, the other is refused', async (t) => {
  const carrier = await SimulatedCarrier.open({ path: carrierPath() });
  t.after(() => carrier.close());
  const outcomes = await Promise.all(['ord_a', 'ord_b'].map((orderId) => carrier.provision(request(orderId, '61291234569'))));
  assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ['failed', 'provisioned']);
  const winner = outcomes.findIndex((outcome) => outcome.status === 'provisioned');
  assert.deepEqual(await carrier.lookup({ orderId: ['ord_a', 'ord_b'][winner]!, didNumber: '61291234569' }), { ...outcomes[winner], routing: ROUTING });
});

it('opens books an earlier Bilby wrote, without the IPND and routing columns: their numbers stay, and new ones record them', async (t) => {
  const path = carrierPath();
  const old = new SqliteDatabase(path);
  old.exec(`CREATE TABLE carrier_number (
    did_number TEXT PRIMARY KEY, order_id TEXT NOT NULL, reference TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL);
    INSERT INTO carrier_number VALUES ('61291234560', 'ord_old', 'ref_old', 'provisioned', '2026-01-01T00:00:00.000Z')`);
  old.close();
  const carrier = await SimulatedCarrier.open({ path });
  t.after(() => carrier.close());
  assert.deepEqual(await carrier.lookup({ orderId: 'ord_old', didNumber: '61291234560' }), { status: 'provisioned', reference: 'ref_old', routing: null });
  const bought = await carrier.provision(request('ord_new', '61291234561'));
  assert.deepEqual(await carrier.lookup({ orderId: 'ord_new', didNumber: '61291234561' }), { ...bought, routing: ROUTING });
  assert.deepEqual(await carrier.listProvisioned(), ['61291234560', '61291234561']);
});
