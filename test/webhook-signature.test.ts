import assert from 'node:assert/strict';
import { createHmac, webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import { isPublicAddress } from '../server/src/domain/network-address.js';
import { signatureHeader } from '../server/src/domain/webhook-signature.js';
import { verifyWebhook, WebhookSignatureError } from '../sdk/src/webhooks.js';

const BODY = JSON.stringify({ id: 'evt_1', type: 'number.purchased', data: { did_number: '61291234567' } });
const T = 1_800_000_000;

describe('webhook signatures (Stripe scheme)', () => {
  it("signs t.body with HMAC-SHA256, one v1 per secret, and the SDK's verifyWebhook accepts it with either secret", async () => {
    const header = signatureHeader(BODY, ['whsec_old', 'whsec_new'], T);
    const independent = createHmac('sha256', 'whsec_new').update(`${T}.${BODY}`).digest('hex');
    assert.match(header, new RegExp(`^t=${T},v1=[0-9a-f]{64},v1=${independent}$`));
    for (const secret of ['whsec_old', 'whsec_new', ['whsec_other', 'whsec_new']] as const) {
      const event = await verifyWebhook<{ id: string }>(BODY, header, secret, { nowSeconds: T + 10 });
      assert.equal(event.id, 'evt_1');
    }
    const bytes = new TextEncoder().encode(BODY);
    assert.equal((await verifyWebhook<{ id: string }>(bytes, header, 'whsec_old', { nowSeconds: T, subtle: webcrypto.subtle as SubtleCrypto })).id, 'evt_1');
  });

  it('refuses a changed body, another secret, an old or future timestamp, and malformed headers', async () => {
    const header = signatureHeader(BODY, ['whsec_1'], T);
    const refused = async (body: string, value: string | undefined, secret: string, now: number, why: RegExp) =>
      assert.rejects(verifyWebhook(body, value, secret, { nowSeconds: now }), (error: unknown) => error instanceof WebhookSignatureError && why.test(error.message));
    await refused(BODY.replace('61291234567', '61291234568'), header, 'whsec_1', T, /No signature/);
    await refused(BODY, header, 'whsec_2', T, /No signature/);
    await refused(BODY, header, 'whsec_1', T + 301, /more than the 300 s/);
    await refused(BODY, header, 'whsec_1', T - 301, /more than the 300 s/);
    await refused(BODY, undefined, 'whsec_1', T, /no Bilby-Signature/);
    await refused(BODY, `v1=${'0'.repeat(64)}`, 'whsec_1', T, /no timestamp/);
    await refused(BODY, `t=${T},v1=nothex`, 'whsec_1', T, /no v1/);
    await refused(BODY, header.replace(/t=\d+/, `t=${T + 1}`), 'whsec_1', T, /No signature/);
    assert.equal(((await verifyWebhook(BODY, header, 'whsec_1', { nowSeconds: T + 3_000, toleranceSeconds: 3_600 })) as { id: string }).id, 'evt_1');
  });
});

describe('where webhooks may be delivered', () => {
  it('only to public unicast addresses: never loopback, private, link-local, unique-local, CGNAT, multicast, reserved or IPv4 hidden in IPv6', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) assert.equal(isPublicAddress(address), true, address);
    for (const address of [
      '127.0.0.1',
      '127.8.8.8',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      '::7f00:1',
      '::808:808',
      '2002:7f00:1::1',
      'not an address',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
    assert.equal(isPublicAddress('::ffff:8.8.8.8'), true, 'a mapped public IPv4 address is public');
  });
});
