import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeEachDatabase } from './helpers/databases.js';
import { generateApiKey, hashApiKey } from '../server/src/domain/api-key.js';
import { revokeApiKey } from '../server/src/store/api-key-store.js';
import { NUMBER_TYPES, PERSON_TYPES, STATES } from '../sdk/src/index.js';
import { createTestContext, purchaseBody } from './helpers/context.js';
import { snapshot } from './helpers/invariants.js';

describeEachDatabase('authentication', (dialect) => {
  it('accepts the key in every header form and in a JSON body; the header wins', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    for (const headers of <Array<Record<string, string>>>[
      { 'X-Crazytel-Api-Key': acc.key },
      { 'x-crazytel-api-key': acc.key },
      { 'X-CRAZYTEL-API-KEY': acc.key },
      { 'X-Api-Key': acc.key },
      { Authorization: `Bearer ${acc.key}` },
    ]) {
      const res = await ctx.call('GET', '/api/v1/balance/', { headers });
      assert.equal(res.status, 200, JSON.stringify(Object.keys(headers)));
    }
    await ctx.seedNumbers(['0291234567']);
    const body = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { body: { ...purchaseBody(acc, '0291234567'), api_key: acc.key } });
    assert.equal(body.status, 200);
    assert.equal(body.headers['bilby-ignored-fields'], undefined, 'api_key is not an ignored field');
    const wrongBody = await ctx.call('POST', '/api/v1/account/address', {
      key: acc.key,
      body: { api_key: 'wrong-key-wrong-key-wrong', city: 'Sydney', state: 'NSW', postcode: '2000' },
    });
    assert.equal(wrongBody.status, 201, 'a valid header wins over a body key');
  });

  it('answers 401 unauthenticated for missing, malformed, bad-checksum, unknown and revoked keys', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const forged = acc.key.slice(0, -1) + (acc.key.endsWith('A') ? 'B' : 'A');
    const revoked = await ctx.createAccount();
    const row = await ctx.db.selectFrom('api_key').select('id').where('key_hash', '=', hashApiKey(revoked.key)).executeTakeFirstOrThrow();
    assert.ok(await revokeApiKey(ctx.db, row.id, new Date().toISOString()));
    for (const key of [null, '', 'short', forged, generateApiKey(), revoked.key, 'x'.repeat(10_000)]) {
      const res = await ctx.call('GET', '/api/v1/phone-numbers/', key === null ? {} : { headers: { 'x-crazytel-api-key': key } });
      assert.equal(res.status, 401, String(key).slice(0, 20));
      assert.deepEqual([res.body.detail, res.body.code], ['Invalid API key', 'unauthenticated']);
    }
    const bodyless = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { body: { did_number: '0291234567' } });
    assert.equal(bodyless.status, 401);
    const notJson = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { body: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(notJson.status, 401, 'no key anywhere: 401 comes before 415');
  });

  it('stores keys only as hashes', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const rows = await ctx.db.selectFrom('api_key').selectAll().execute();
    assert.equal(JSON.stringify(rows).includes(acc.key), false, 'no column holds the key');
    assert.ok(rows.some((row) => row.key_hash === hashApiKey(acc.key)), 'the hash is stored');
    if (dialect !== 'sqlite') return;
    // On SQLite the key is nowhere in the database's files either.
    await ctx.db.destroy();
    for (const name of ['bilby.db', 'bilby.db-wal']) {
      const path = join(ctx.dir, name);
      const bytes = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
      assert.equal(bytes.includes(acc.key), false, name);
    }
  });
});

describeEachDatabase('input hygiene', (dialect) => {
  it('answers 415, 413 and 400 invalid_json for bodies it cannot read', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const url = '/api/v1/account/address';
    const media = await ctx.call('POST', url, { key: acc.key, body: 'city=Sydney', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual([media.status, media.body.code], [415, 'unsupported_media_type']);
    const big = await ctx.call('POST', url, { key: acc.key, body: JSON.stringify({ city: 'x'.repeat(17 * 1024) }), headers: { 'content-type': 'application/json' } });
    assert.deepEqual([big.status, big.body.code], [413, 'payload_too_large']);
    const bad = await ctx.call('POST', url, { key: acc.key, body: '{"city": ', headers: { 'content-type': 'application/json' } });
    assert.deepEqual([bad.status, bad.body.code], [400, 'invalid_json']);
    const charset = await ctx.call('POST', url, {
      key: acc.key,
      body: JSON.stringify({ city: 'Sydney', state: 'NSW', postcode: '2000' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(charset.status, 201);
  });

  it('never answers 5xx or changes anything for 2,000 generated hostile bodies', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount({ balance: 1_00 });
    await ctx.seedNumbers([{ number: '0291234567', setup: 5_00, monthly: 5_00 }]);
    const seed = Number(process.env.BILBY_TEST_SEED ?? Date.now() % 1_000_000);
    let state = seed;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648;
    };
    const values = [
      null, true, 0, -1, 1e308, 'x'.repeat(300), '', '0291234567', acc.addressId, '__proto__', { a: 1 }, [1, 2],
      '\u0000', '💥', 'device', '1000000', 61291234567, NaN,
    ];
    const fields = ['did_number', 'address_id', 'person_id', 'primary_route', 'primary_destination', 'description', 'price', 'account_id', '__proto__', 'constructor', 'status', 'amount'];
    const endpoints: Array<['POST' | 'PATCH' | 'DELETE', string]> = [
      ['POST', '/api/v1/phone-numbers/purchase'],
      ['POST', '/api/v1/account/address'],
      ['POST', '/api/v1/account/person'],
      ['PATCH', '/api/v1/phone-numbers'],
      ['DELETE', '/api/v1/phone-numbers'],
    ];
    const before = await snapshot(ctx.db);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const body: Record<string, unknown> = {};
      for (const field of fields) if (random() < 0.5) body[field] = values[Math.floor(random() * values.length)];
      const [method, url] = endpoints[i % endpoints.length]!;
      const payload = random() < 0.1 ? randomBytes(Math.floor(random() * 64)).toString('latin1') : JSON.stringify(body);
      const res = await ctx.app.inject({ method, url, payload, headers: { 'content-type': 'application/json', 'x-crazytel-api-key': acc.key } });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      assert.ok(res.statusCode < 500, `seed ${seed}, request ${i}: ${method} ${url} ${payload.slice(0, 200)} → ${res.statusCode} ${res.body}`);
      const parsed = res.statusCode >= 400 ? res.json() : null;
      if (parsed) assert.equal(typeof parsed.code, 'string');
    }
    const after = (await snapshot(ctx.db)) as { addresses: unknown[]; persons: unknown[] };
    const { addresses: _a, persons: _p, ...rest } = after;
    const { addresses: _b, persons: _q, ...expected } = before as typeof after;
    assert.deepEqual(rest, expected, `seed ${seed}: no money moved and no number changed`);
    assert.ok(statuses.size > 0);
  });

  it('reports a nullable field that is too long or of the wrong type once, naming the field and the limit', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    await ctx.seedNumbers(['0291234567']);
    const before = await snapshot(ctx.db);
    type Case = [string, 'POST' | 'PATCH', string, Record<string, unknown>, Array<{ field: string; message: string }>];
    const tooLong = (field: string, limit: number) => ({ field, message: `must NOT have more than ${limit} characters` });
    const purchase = '/api/v1/phone-numbers/purchase';
    const cases: Case[] = [
      ['purchase description', 'POST', purchase, purchaseBody(acc, '0291234567', { description: 'd'.repeat(256) }), [tooLong('description', 255)]],
      [
        'purchase destination of the wrong type',
        'POST',
        purchase,
        purchaseBody(acc, '0291234567', { primary_destination: 1000000 }),
        [{ field: 'primary_destination', message: 'must be string or null' }],
      ],
      [
        'address field',
        'POST',
        '/api/v1/account/address',
        { city: 'Sydney', state: 'NSW', postcode: '2000', street_name: 's'.repeat(256) },
        [tooLong('street_name', 255)],
      ],
      [
        'person title and a bad person type',
        'POST',
        '/api/v1/account/person',
        { name_1: 'Citizen', person_type: 'Q', title: 't'.repeat(21) },
        [tooLong('title', 20), { field: 'person_type', message: `must be one of ${PERSON_TYPES.join(', ')}` }],
      ],
      [
        'nested nullable fields',
        'PATCH',
        '/api/v1/phone-numbers',
        { did_number: '0291234567', block_prefs: { route: 'r'.repeat(33) }, sms_routes: { route: 1, destination: 'x' } },
        [tooLong('block_prefs.route', 32), { field: 'sms_routes.route', message: 'must be string' }],
      ],
    ];
    for (const [what, method, url, body, errors] of cases) {
      const res = await ctx.call(method, url, { key: acc.key, body });
      assert.deepEqual([res.status, res.body.code, res.body.errors], [400, 'invalid_request', errors], what);
      assert.equal(res.body.detail, `${errors[0]!.field} ${errors[0]!.message}`, what);
    }
    assert.deepEqual(await snapshot(ctx.db), before, 'nothing stored');
  });

  it('names the allowed values of a field that takes one of a list, in the body and in the query string', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const search = await ctx.call('GET', '/api/v1/phone-numbers/available-numbers/', { key: acc.key, query: { state: 'XX', number_type: 'bogus' } });
    assert.equal(search.status, 400);
    assert.deepEqual(
      [...search.body.errors].sort((a: { field: string }, b: { field: string }) => a.field.localeCompare(b.field)),
      [
        { field: 'number_type', message: `must be one of ${NUMBER_TYPES.join(', ')}` },
        { field: 'state', message: `must be one of ${STATES.join(', ')}` },
      ],
    );
    const person = await ctx.call('POST', '/api/v1/account/person', { key: acc.key, body: { name_1: 'Citizen', person_type: 'Q' } });
    assert.deepEqual([person.status, person.body.detail], [400, `person_type must be one of ${PERSON_TYPES.join(', ')}`]);
  });

  it('serves every path with and without a trailing slash, never redirecting, with a request id', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    for (const path of ['/api/v1/balance', '/api/v1/phone-numbers/addresses', '/api/v1/phone-numbers/owners', '/api/v1/account/verified-cli', '/api/v1/phone-numbers/orders', '/api/v1/account/transactions']) {
      for (const url of [path, `${path}/`]) {
        const res = await ctx.call('GET', url, { key: acc.key });
        assert.equal(res.status, 200, url);
        assert.match(String(res.headers['x-request-id']), /^req_/);
      }
    }
    const unknown = await ctx.call('GET', '/api/v1/nothing-here', { key: acc.key });
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'not_found']);
  });
});

describeEachDatabase('system endpoints', (dialect) => {
  it('answers health, readiness, the OpenAPI document and the reference page', async (t) => {
    const ctx = await createTestContext(t, dialect);
    assert.deepEqual((await ctx.call('GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await ctx.call('GET', '/readyz')).body, {
      status: 'ready',
      carrier: { name: 'simulated', status: 'ok' },
    });
    const doc = await ctx.call('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    for (const path of [
      '/api/v1/phone-numbers/available-numbers',
      '/api/v1/phone-numbers/purchase',
      '/api/v1/phone-numbers/addresses',
      '/api/v1/phone-numbers/owners',
      '/api/v1/phone-numbers/destinations',
      '/api/v1/account/address',
      '/api/v1/balance',
    ]) {
      assert.ok(doc.body.paths[path], `${path} documented`);
    }
    const purchase = doc.body.paths['/api/v1/phone-numbers/purchase'].post;
    assert.deepEqual(
      purchase.requestBody.content['application/json'].schema.required.sort(),
      ['address_id', 'did_number', 'person_id', 'primary_route'],
      'the document comes from the schema that validates',
    );
    const docs = await ctx.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
    // The page's files come from swagger-ui's package directory, which the server names itself.
    for (const [url, type] of [['/docs/static/swagger-ui.css', 'text/css'], ['/docs/static/logo.svg', 'image/svg+xml'], ['/docs/static/swagger-ui-bundle.js', 'application/javascript']]) {
      const file = await ctx.app.inject({ method: 'GET', url });
      assert.equal(file.statusCode, 200, url);
      assert.ok(file.headers['content-type']?.toString().startsWith(type!), `${url}: ${file.headers['content-type']}`);
      assert.ok(file.rawPayload.length > 1000, url);
    }
  });
});

describeEachDatabase('api keys across processes', (dialect) => {
  it('rejects a Bilby key with a bad checksum before any query, and a revoked key at once on every process', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const peer = await ctx.createPeerApp();
    const get = (app: typeof ctx.app, key: string) =>
      app.inject({ method: 'GET', url: '/api/v1/balance', headers: { 'x-crazytel-api-key': key } });
    assert.equal((await get(peer.app, acc.key)).statusCode, 200);

    const row = await ctx.db.selectFrom('api_key').select('id').where('key_hash', '=', hashApiKey(acc.key)).executeTakeFirstOrThrow();
    assert.ok(await revokeApiKey(ctx.db, row.id, new Date().toISOString()));
    assert.equal((await get(peer.app, acc.key)).statusCode, 401, 'revoked on the other process at once');

    // With the peer's database gone, only a key that never needs a query can still be answered 401.
    await peer.database.close();
    const real = generateApiKey();
    const forged = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
    const res = await get(peer.app, forged);
    assert.deepEqual([res.statusCode, res.json().code], [401, 'unauthenticated']);
    assert.equal((await get(peer.app, generateApiKey())).statusCode, 500, 'a well-formed key does need the database');
  });
});
