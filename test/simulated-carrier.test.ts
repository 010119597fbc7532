import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { SimulatedCarrier } from '../server/src/carriers/simulated/simulated-carrier.js';
import { SimulatedCarrierStore } from '../server/src/carriers/simulated/simulated-carrier-store.js';

function carrierPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'bilby-carrier-')), 'carrier.db');
}

it('the simulated carrier provisions a number once per order, refuses it to another order until released, and keeps its books', async (t) => {
  const path = carrierPath();
  const carrier = await SimulatedCarrier.open({ path });
  t.after(() => carrier.close());
  const first = await carrier.provision({ orderId: 'ord_1', didNumber: '61291234567' });
  assert.equal(first.status, 'provisioned');
  assert.deepEqual(await carrier.provision({ orderId: 'ord_1', didNumber: '61291234567' }), first, 'asking again for the same order is answered the same');
  assert.deepEqual(await carrier.provision({ orderId: 'ord_2', didNumber: '61291234567' }), { status: 'failed', reason: 'number is already in service' });
  assert.deepEqual(await carrier.lookup({ orderId: 'ord_1', didNumber: '61291234567' }), first);
  assert.deepEqual(await carrier.lookup({ orderId: 'ord_2', didNumber: '61291234567' }), { status: 'absent' });

  await carrier.release('61291234567');
  assert.deepEqual(await carrier.listProvisioned(), []);
  const again = await carrier.provision({ orderId: 'ord_3', didNumber: '61291234567' });
  assert.equal(again.status, 'provisioned');
  assert.notDeepEqual(again, first, 'a released number is provisioned anew, with a new reference');

  const reopened = await SimulatedCarrier.open({ path });
  t.after(() => reopened.close());
  assert.deepEqual(await reopened.lookup({ orderId: 'ord_3', didNumber: '61291234567' }), again, 'the books survive a restart');
});

it('the carrier\'s books never let a second order overwrite a provisioned number', async (t) => {
  const store = await SimulatedCarrierStore.open(carrierPath());
  t.after(() => store.close());
  const at = new Date().toISOString();
  const first = await store.provision({ did_number: '61291234568', order_id: 'ord_1', reference: 'ref_1', status: 'provisioned' }, at);
  assert.deepEqual(first, { did_number: '61291234568', order_id: 'ord_1', reference: 'ref_1', status: 'provisioned' });
  const second = await store.provision({ did_number: '61291234568', order_id: 'ord_2', reference: 'ref_2', status: 'provisioned' }, at);
  assert.deepEqual(second, first, 'the record already there is returned, unchanged');
  assert.deepEqual(await store.find('61291234568'), first);
  await store.release('61291234568', at);
  const third = await store.provision({ did_number: '61291234568', order_id: 'ord_3', reference: 'ref_3', status: 'provisioned' }, at);
  assert.deepEqual(third, { did_number: '61291234568', order_id: 'ord_3', reference: 'ref_3', status: 'provisioned' });
});

it('two orders asking the simulated carrier for one number at once: one gets it, the other is refused', async (t) => {
  const carrier = await SimulatedCarrier.open({ path: carrierPath() });
  t.after(() => carrier.close());
  const outcomes = await Promise.all(['ord_a', 'ord_b'].map((orderId) => carrier.provision({ orderId, didNumber: '61291234569' })));
  assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ['failed', 'provisioned']);
  const winner = outcomes.findIndex((outcome) => outcome.status === 'provisioned');
  assert.deepEqual(await carrier.lookup({ orderId: ['ord_a', 'ord_b'][winner]!, didNumber: '61291234569' }), outcomes[winner]);
});
