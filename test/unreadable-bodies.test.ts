import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ADMIN_HEADERS, createTestContext } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const BAD_JSON = '{"city": ';
const JSON_TYPE = { 'content-type': 'application/json' };

describeEachDatabase('bodies that cannot be read', (dialect) => {
  it('are a 401 only when no header key came and the route could have found one in the body; a 404 where no route exists', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const send = async (method: 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload: string) => {
      const res = await ctx.app.inject({ method, url, headers, payload });
      const body = res.json() as { code: string; detail: string; request_id: string };
      assert.equal(body.request_id, res.headers['x-request-id'], `${method} ${url}: request id`);
      return [res.statusCode, body.code];
    };
    const keyHeaders: Array<Record<string, string>> = [
      { 'x-crazytel-api-key': acc.key },
      { 'x-api-key': acc.key },
      { authorization: `Bearer ${acc.key}` },
    ];

    // A valid key in a header: the body's fault, or the URL's when no route has it.
    for (const key of keyHeaders) {
      const headers = { ...key, ...JSON_TYPE };
      assert.deepEqual(await send('POST', '/api/v1/account/address', headers, BAD_JSON), [400, 'invalid_json'], JSON.stringify(key));
      assert.deepEqual(await send('PATCH', '/api/v1/phone-numbers', headers, BAD_JSON), [400, 'invalid_json']);
      for (const url of ['/api/v1/no-such-route', '/api/v1/phone-numbers/purchase/extra', '/api/v1//phone-numbers/purchase', '/api/v1/account/address/x/y']) {
        assert.deepEqual(await send('POST', url, headers, BAD_JSON), [404, 'not_found'], `${url} ${JSON.stringify(key)}`);
        assert.deepEqual(await send('POST', url, { ...key, 'content-type': 'text/plain' }, 'x'), [404, 'not_found'], `${url}, not JSON`);
        assert.deepEqual(await send('POST', url, headers, JSON.stringify({ city: 'x'.repeat(20_000) })), [404, 'not_found'], `${url}, too big`);
      }
    }

    // No header key on a route that takes one in its body: an unreadable body holds no key.
    assert.deepEqual(await send('POST', '/api/v1/account/address', JSON_TYPE, BAD_JSON), [401, 'unauthenticated']);
    assert.deepEqual(await send('POST', '/api/v1/phone-numbers/purchase', { 'content-type': 'text/plain' }, 'x'), [401, 'unauthenticated']);
    // No route, no key: what any unknown path gets.
    assert.deepEqual(await send('POST', '/api/v1/no-such-route', JSON_TYPE, BAD_JSON), [404, 'not_found']);

    // The operator API checks its key before the body, and has no body key.
    const admin = { ...ADMIN_HEADERS, ...JSON_TYPE };
    assert.deepEqual(await send('POST', '/admin/v1/accounts', admin, BAD_JSON), [400, 'invalid_json']);
    assert.deepEqual(await send('POST', '/admin/v1/no-such-route', admin, BAD_JSON), [404, 'not_found']);
    assert.deepEqual(await send('POST', '/admin/v1/accounts', JSON_TYPE, BAD_JSON), [401, 'unauthenticated']);
  });
});
