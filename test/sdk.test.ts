import assert from 'node:assert/strict';
import { type AddressInfo } from 'node:net';
import { it } from 'node:test';
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  createClient,
  InsufficientFundsError,
  InvalidRequestError,
  NotFoundError,
  NumberUnavailableError,
  RateLimitError,
  UnsupportedError,
  UpstreamError,
} from '../sdk/src/index.js';
import { createTestContext, purchaseBody, TEST_ADMIN_KEY, type TestContextApi, IMMEDIATE_RESALE } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { startFlakyProxy } from './helpers/flaky-proxy.js';
import { assertInvariants } from './helpers/invariants.js';
import { closedPort } from './helpers/server-process.js';

async function listen(ctx: TestContextApi): Promise<string> {
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
}

const fast = { retryBaseDelayMs: 10, maxRetryDelayMs: 50 };

describeEachDatabase('SDK against the real server', (dialect) => {
  it('searches, quotes, buys, lists, updates and releases through typed calls', async (t) => {
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    await ctx.seedNumbers(['61291234567', '61291234568', '61291234569', '61412345678']);
    const acc = await ctx.createAccount({ balance: 100_00 });
    const client = createClient({ baseUrl: await listen(ctx), apiKey: acc.key });

    const page = await client.availableNumbers.list({ number_type: 'geographic', limit: 2 });
    assert.equal(page.results.length, 2);
    assert.ok(page.next_cursor);
    const all: string[] = [];
    for await (const number of client.availableNumbers.list({ limit: 1 })) all.push(number.did_number);
    assert.deepEqual(all, ['61291234567', '61291234568', '61291234569', '61412345678']);

    const input = purchaseBody(acc, '61291234567');
    const quote = await client.quote(input);
    assert.deepEqual([quote.charged, quote.balance_after], [15, 85]);
    const bought = await client.purchase(input);
    assert.deepEqual([bought.message, bought.did_number, bought.balance], ['DID number successfully purchased', '61291234567', 85]);
    const owned: string[] = [];
    for await (const number of client.numbers.list()) owned.push(number.did_number);
    assert.deepEqual(owned, ['61291234567']);
    const updated = await client.numbers.update('0291234567', { description: 'Reception', primary_timeout: 20 });
    assert.deepEqual([updated.description, updated.primary_timeout], ['Reception', 20]);
    assert.equal((await client.numbers.get('61291234567')).description, 'Reception');
    assert.equal((await client.balance()).balance, 85);
    assert.equal((await client.orders.list()).results[0]?.status, 'completed');
    assert.deepEqual((await client.transactions.list()).results.map((r) => r.type), ['purchase', 'credit']);
    assert.ok((await client.verifiedCallerIds.list()).includes('61291234567'));
    assert.ok((await client.destinations.list()).results.some((d) => d.route === 'device'));
    const destinations: string[] = [];
    for await (const d of client.destinations.list({ limit: 2 })) destinations.push(`${d.route} ${d.destination}`);
    assert.deepEqual(destinations, ['device 1000000', 'server pbx.example.com', 'forward 61298765432', 'voicemail 2000', 'congestion null']);
    const address = await client.addresses.create({ city: 'Perth', state: 'WA', postcode: '6000' });
    assert.ok((await client.addresses.list()).results.some((a) => a.id === address.id));
    const person = await client.owners.create({ name_1: 'Nguyen', name_2: 'An', person_type: 'R' });
    await client.owners.delete(person.id);
    const released = await client.numbers.release('61291234567');
    assert.equal(released.did_number, '61291234567');
    assert.deepEqual(await client.cities.list({ state: 'NSW' }), ['Sydney']);
  });

  it('throws typed errors chosen by code', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([{ number: '61291234567', setup: 100_00, monthly: 10_00 }, '61291234568']);
    const acc = await ctx.createAccount({ balance: 20_00 });
    const other = await ctx.createAccount({ balance: 200_00 });
    const baseUrl = await listen(ctx);
    const client = createClient({ baseUrl, apiKey: acc.key, ...fast });

    await assert.rejects(client.purchase(purchaseBody(acc, '61291234567')), InsufficientFundsError);
    await createClient({ baseUrl, apiKey: other.key }).purchase(purchaseBody(other, '61291234568'));
    const unavailable = await client.purchase(purchaseBody(acc, '61291234568')).catch((error: unknown) => error);
    assert.ok(unavailable instanceof NumberUnavailableError);
    assert.equal(unavailable.status, 404);
    assert.ok(unavailable.alternatives.length > 0);
    const invalid = await client.purchase({ ...purchaseBody(acc, '61291234567'), primary_route: 7 as unknown as string }).catch((e: unknown) => e);
    assert.ok(invalid instanceof InvalidRequestError);
    assert.equal(invalid.fieldErrors[0]?.field, 'primary_route');
    await assert.rejects(client.numbers.get('61299999999'), NotFoundError);
    const unauthenticated = await createClient({ baseUrl, apiKey: 'nope' }).balance().catch((e: unknown) => e);
    assert.ok(unauthenticated instanceof AuthenticationError);
    assert.match(unauthenticated.message, /Invalid API key \(unauthenticated\)/);
    assert.ok(unauthenticated.requestId?.startsWith('req_'));
  });

  it('retries a purchase through dropped connections, 503s, a 429 and a lost answer, with one idempotency key, charging once', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers(['61291234567']);
    const acc = await ctx.createAccount({ balance: 100_00 });
    const proxy = await startFlakyProxy(t, await listen(ctx), [
      { kind: 'drop' },
      { kind: 'answer', status: 503, body: { detail: 'Service unavailable' } },
      { kind: 'answer', status: 429, body: { detail: 'Too many requests', code: 'rate_limited' }, headers: { 'retry-after': '0' } },
      { kind: 'lose_answer' },
    ]);
    const client = createClient({ baseUrl: proxy.url, apiKey: acc.key, maxRetries: 4, ...fast });
    const result = await client.purchase(purchaseBody(acc, '61291234567'));
    assert.equal(result.message, 'DID number successfully purchased');
    assert.equal(proxy.seen.length, 5);
    const keys = new Set(proxy.seen.map((headers) => headers['idempotency-key']));
    assert.equal(keys.size, 1);
    assert.ok([...keys][0]);
    const ledger = await ctx.db.selectFrom('ledger_transaction').select('type').where('account_id', '=', acc.accountId).execute();
    assert.deepEqual(ledger.map((r) => r.type).sort(), ['credit', 'purchase']);
    await assertInvariants(ctx.db, ctx.carrier);
  });

  it('gives up after maxRetries with the last error, and never retries what cannot succeed', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const failing = await startFlakyProxy(t, await listen(ctx), [
      { kind: 'answer', status: 429, body: { detail: 'Too many requests', code: 'rate_limited' }, headers: { 'retry-after': '0' } },
      { kind: 'answer', status: 429, body: { detail: 'Too many requests', code: 'rate_limited' }, headers: { 'retry-after': '0' } },
      { kind: 'answer', status: 429, body: { detail: 'Too many requests', code: 'rate_limited' }, headers: { 'retry-after': '0' } },
    ]);
    const client = createClient({ baseUrl: failing.url, apiKey: acc.key, maxRetries: 2, ...fast });
    const error = await client.balance().catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitError);
    assert.equal(error.retryAfterSeconds, 0);
    assert.equal(failing.seen.length, 3);
    await client.balance();
    const before = failing.seen.length;
    await assert.rejects(client.numbers.get('61299999999'), NotFoundError);
    assert.equal(failing.seen.length, before + 1, 'a 404 is not retried');
    const down = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: acc.key, maxRetries: 1, ...fast });
    await assert.rejects(down.balance(), ConnectionError);
  });

  it("does not retry a carrier's answer to a purchase: one upstream_error is one failed order, one upstream_pending one pending order", async (t) => {
    const ctx = await createTestContext(t, dialect, { carrierTimeoutMs: 200 });
    await ctx.seedNumbers(['61291234567', '61291234568']);
    const acc = await ctx.createAccount({ balance: 100_00 });
    const proxy = await startFlakyProxy(t, await listen(ctx), []);
    const client = createClient({ baseUrl: proxy.url, apiKey: acc.key, maxRetries: 4, ...fast });

    ctx.carrier.inject({ kind: 'fail' });
    const refused = await client.purchase(purchaseBody(acc, '61291234567')).catch((e: unknown) => e);
    assert.ok(refused instanceof UpstreamError && !refused.pending, String(refused));
    assert.equal(proxy.seen.length, 1, 'sent once');

    ctx.carrier.inject({ kind: 'hang', ms: 1_000 });
    const pending = await client.purchase(purchaseBody(acc, '61291234568')).catch((e: unknown) => e);
    assert.ok(pending instanceof UpstreamError && pending.pending, String(pending));
    assert.equal(proxy.seen.length, 2, 'sent once');
    await ctx.deps.tasks.drain();

    const orders = await ctx.db.selectFrom('purchase_order').select(['did_number', 'status']).orderBy('did_number').execute();
    assert.deepEqual(orders, [
      { did_number: '61291234567', status: 'failed' },
      { did_number: '61291234568', status: 'completed' },
    ]);
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it('without idempotency keys (crazytel compatibility) sends a write again only when it cannot have run', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers(['61291234567']);
    const acc = await ctx.createAccount({ balance: 100_00 });
    const base = await listen(ctx);
    const proxy = await startFlakyProxy(t, base, [
      { kind: 'answer', status: 429, body: { detail: 'Too many requests' }, headers: { 'retry-after': '0' } },
      { kind: 'lose_answer' },
    ]);
    const client = createClient({ baseUrl: proxy.url, apiKey: acc.key, maxRetries: 4, compatibility: 'crazytel', ...fast });
    const lost = await client.purchase(purchaseBody(acc, '61291234567')).catch((e: unknown) => e);
    assert.ok(lost instanceof ConnectionError, String(lost));
    assert.equal(proxy.seen.length, 2, 'the 429 was sent again; the lost answer was not');
    assert.ok(proxy.seen.every((headers) => headers['idempotency-key'] === undefined));
    const ledger = await ctx.db.selectFrom('ledger_transaction').select('type').where('account_id', '=', acc.accountId).execute();
    assert.deepEqual(ledger.map((r) => r.type).sort(), ['credit', 'purchase'], 'bought once, by the request whose answer was lost');

    const flaky = await startFlakyProxy(t, base, [
      { kind: 'answer', status: 503, body: { detail: 'Service unavailable' } },
      { kind: 'answer', status: 503, body: { detail: 'Service unavailable' } },
    ]);
    const reader = createClient({ baseUrl: flaky.url, apiKey: acc.key, maxRetries: 4, compatibility: 'crazytel', ...fast });
    await assert.rejects(reader.addresses.create({ city: 'Perth', state: 'WA', postcode: '6000' }), (e: unknown) => e instanceof ApiError && e.status === 503);
    assert.equal(flaky.seen.length, 1, 'a write answered 503 is not sent again');
    assert.equal((await reader.balance()).balance, 85, 'a read is retried through a 503');
    assert.equal(flaky.seen.length, 3);
    const down = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: acc.key, maxRetries: 1, compatibility: 'crazytel', ...fast });
    await assert.rejects(down.addresses.create({ city: 'Perth', state: 'WA', postcode: '6000' }), ConnectionError);
  });

  it('drives the operator API: opens an account, credits it and imports a CSV with progress', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const baseUrl = await listen(ctx);
    const admin = createClient({ baseUrl, adminKey: TEST_ADMIN_KEY }).admin;
    const { account, api_key } = await admin.accounts.create({ name: 'Reseller', opening_credit: 10 });
    assert.equal((await admin.credit(account.id, { amount: 5, reason: 'Top-up' })).balance_after, 15);
    await admin.prices.set('geographic', { setup_cost: 1, monthly_cost: 4 });
    const lines = ['did_number'];
    for (let i = 0; i < 20_000; i++) lines.push(`612${String(90000000 + i)}`);
    const progress: number[] = [];
    const csv = new TextEncoder().encode(lines.join('\n'));
    async function* chunks() {
      for (let i = 0; i < csv.length; i += 16_384) yield csv.subarray(i, i + 16_384);
    }
    const report = await admin.inventory.import(chunks(), { onProgress: (bytes) => progress.push(bytes) });
    assert.deepEqual([report.rows, report.added, report.rejected], [20_000, 20_000, 0]);
    assert.equal(progress.at(-1), csv.length);
    assert.ok(progress.length > 10);
    assert.equal((await admin.inventory.counts()).by_status.available, 20_000);
    const customer = createClient({ baseUrl, apiKey: api_key.api_key });
    assert.equal((await customer.balance()).balance, 15);
  });
});

it('reads crazytel.io-style errors (detail only) by status, and keeps Bilby extensions off in crazytel mode', async (t) => {
  const { createServer } = await import('node:http');
  const seen: Array<{ url: string | undefined; headers: Record<string, unknown> }> = [];
  const answers: Record<string, [number, unknown]> = {
    '/api/v1/balance/': [400, { detail: 'Insufficient balance' }],
    '/api/v1/phone-numbers/purchase': [404, { detail: 'DID not available' }],
    '/api/v1/phone-numbers/addresses/': [500, { detail: 'API communication error' }],
    '/api/v1/phone-numbers/owners/': [422, { detail: [{ loc: ['body', 'name_1'], msg: 'field required', type: 'value_error.missing' }] }],
  };
  const server = createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers });
    const [status, body] = answers[req.url ?? ''] ?? [404, { detail: 'Not Found' }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const client = createClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/`,
    apiKey: 'ct-key',
    compatibility: 'crazytel',
    maxRetries: 0,
  });
  await assert.rejects(client.balance(), InsufficientFundsError);
  const input = { did_number: '61291234567', address_id: 'a', person_id: 'p', primary_route: 'congestion' };
  await assert.rejects(client.purchase(input), NumberUnavailableError);
  await assert.rejects(client.addresses.list(), (error: unknown) => error instanceof Error && !(error instanceof UpstreamError));
  const validation = await client.owners.list().catch((e: unknown) => e);
  assert.ok(validation instanceof InvalidRequestError);
  assert.match(validation.detail, /name_1: field required/);
  const purchaseFailed = createClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxRetries: 0 });
  answers['/api/v1/phone-numbers/purchase'] = [500, { detail: 'API communication error' }];
  await assert.rejects(purchaseFailed.purchase(input), UpstreamError);
  const before = seen.length;
  await assert.rejects(client.quote(input), UnsupportedError);
  await assert.rejects(client.orders.list(), UnsupportedError);
  assert.equal(seen.length, before, 'extensions never reach crazytel.io');
  assert.equal(seen[1]?.headers['idempotency-key'], undefined);
  assert.equal(seen[0]?.headers['x-crazytel-api-key'], 'ct-key');
  assert.equal(seen[1]?.url, '/api/v1/phone-numbers/purchase');
});

it('retries a refused connection unless retryConnectFailures is off, never a port fetch will not use, and still retries what failed midway', async (t) => {
  let attempts = 0;
  const counted: typeof fetch = (input, init) => {
    attempts++;
    return fetch(input, init);
  };
  const down = `http://127.0.0.1:${await closedPort()}`;
  const refused = await createClient({ baseUrl: down, maxRetries: 2, fetch: counted, ...fast }).balance().catch((e: unknown) => e);
  assert.ok(refused instanceof ConnectionError, String(refused));
  assert.deepEqual([refused.origin, refused.reason, attempts], [down, 'ECONNREFUSED', 3]);

  attempts = 0;
  const once = await createClient({ baseUrl: down, maxRetries: 2, retryConnectFailures: false, fetch: counted, ...fast }).balance().catch((e: unknown) => e);
  assert.ok(once instanceof ConnectionError && once.reason === 'ECONNREFUSED', String(once));
  assert.equal(attempts, 1, 'tried once');

  attempts = 0;
  const blocked = await createClient({ baseUrl: 'http://127.0.0.1:1', maxRetries: 2, fetch: counted, ...fast }).balance().catch((e: unknown) => e);
  assert.ok(blocked instanceof ConnectionError && blocked.reason === 'bad port', String(blocked));
  assert.equal(attempts, 1, 'a blocked port is never retried');

  const flaky = await startFlakyProxy(t, down, [
    { kind: 'drop' },
    { kind: 'answer', status: 429, body: { detail: 'Too many requests', code: 'rate_limited' }, headers: { 'retry-after': '0' } },
    { kind: 'answer', status: 429, body: { detail: 'Too many requests', code: 'rate_limited' }, headers: { 'retry-after': '0' } },
  ]);
  const limited = await createClient({ baseUrl: flaky.url, maxRetries: 2, retryConnectFailures: false, ...fast }).balance().catch((e: unknown) => e);
  assert.ok(limited instanceof RateLimitError, String(limited));
  assert.equal(flaky.seen.length, 3, 'a dropped connection and a 429 were each retried');
});

it('makes version 4 UUID idempotency keys with Web Crypto, and without it as on Node.js 18', async (t) => {
  const { newIdempotencyKey } = await import('../sdk/src/idempotency-key.js');
  const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const keys = (count: number) => Array.from({ length: count }, newIdempotencyKey);
  const withCrypto = keys(1_000);
  const own = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  t.after(() => {
    if (own) Object.defineProperty(globalThis, 'crypto', own);
  });
  Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) }, configurable: true });
  const withRandomValues = keys(1_000);
  Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
  const withoutCrypto = keys(10_000);
  if (own) Object.defineProperty(globalThis, 'crypto', own);
  for (const [name, made] of Object.entries({ withCrypto, withRandomValues, withoutCrypto })) {
    assert.deepEqual(made.filter((key) => !UUID4.test(key)), [], `${name}: every key a version 4 UUID`);
    assert.equal(new Set(made).size, made.length, `${name}: no key twice`);
  }
});
