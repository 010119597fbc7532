import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rawExchange } from './helpers/raw-http.js';
import { startServer } from './helpers/server-process.js';

const ADMIN_KEY = 'log-redaction-admin-key';


describe('logs', () => {
  it('never hold a key a request carried: query strings of any parameter name, headers, bodies; 404s echo only the path', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-log-redaction-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // trace: every line Fastify and Bilby can write.
    const server = await startServer([], {
      BILBY_LOG_LEVEL: 'trace',
      BILBY_DATABASE_URL: `file:${join(dir, 'bilby.db')}`,
      BILBY_ADMIN_KEY: ADMIN_KEY,
    });
    t.after(() => server.stop());
    const secrets: string[] = [];
    const secret = () => {
      const value = `s3cret${randomBytes(9).toString('hex')}`;
      secrets.push(value);
      return value;
    };

    const admin = { 'x-admin-key': ADMIN_KEY, 'content-type': 'application/json' };
    const opened = await (await fetch(`${server.base}/admin/v1/accounts`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Logs' }) })).json();
    const key = opened.api_key.api_key as string;
    assert.match(key, /^bilby_live_/);

    const bodies: string[] = [];
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${server.base}${path}`, { headers });
      bodies.push(await res.text());
      return res.status;
    };
    for (const name of ['api_key', 'API_KEY', 'apikey', 'ApiKey', 'access_token', 'key', 'token', 'password', 'secret', 'auth', 'x', 'api%5Fkey']) {
      assert.equal(await get(`/api/v1/balance/?${name}=${secret()}`), 401, name);
      assert.equal(await get(`/api/v1/phone-numbers/available-numbers/?state=NSW&${name}=${secret()}&limit=5`, { 'x-crazytel-api-key': key }), 200, name);
    }
    assert.equal(await get(`/api/v1/balance/?${secret()}`), 401, 'a bare key as the query string');
    assert.equal(await get(`/api/v1/balance/?a=1&b=2&${secret()}=1`), 401, 'a key as a parameter name');
    assert.equal(await get(`/admin/v1/accounts?admin_key=${secret()}`), 401);
    assert.equal(await get(`/admin/v1/accounts?limit=1&ADMIN_KEY=${secret()}`, { 'x-admin-key': ADMIN_KEY }), 200);
    assert.equal(await get(`/no/such/route?api_key=${secret()}`), 404);
    assert.equal(await get(`/api/v1/no-such-route/?token=${secret()}`, { 'x-crazytel-api-key': key }), 404);
    for (const headers of <Array<Record<string, string>>>[
      { authorization: `Bearer ${secret()}` },
      { 'x-crazytel-api-key': secret() },
      { 'x-api-key': secret() },
      { cookie: `session=${secret()}` },
    ]) {
      assert.equal(await get('/api/v1/balance/', headers), 401);
    }
    assert.equal(await get('/admin/v1/accounts', { 'x-admin-key': secret() }), 401);
    for (const body of [JSON.stringify({ api_key: secret(), city: 'Sydney' }), `{"api_key": "${secret()}", `]) {
      const res = await fetch(`${server.base}/api/v1/account/address/?api_key=${secret()}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      bodies.push(await res.text());
      assert.equal(res.status, 401);
    }
    const fragment = await rawExchange(server.base, `GET /no/such/route#api_key=${secret()} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(fragment, /^HTTP\/1.1 404/);
    bodies.push(fragment);

    await server.stop();
    const log = server.output();
    for (const value of secrets) {
      assert.equal(log.includes(value), false, `the log holds ${value}: ${log.split('\n').find((line) => line.includes(value))}`);
      for (const body of bodies) assert.equal(body.includes(value), false, `an answer echoes ${value}: ${body}`);
    }
    assert.equal(log.includes(ADMIN_KEY), false, 'the admin key is not logged');
    assert.equal(log.includes(key), false, 'the API key is not logged');
    // The URLs are logged all the same, with the parameters the API reads.
    assert.match(log, /"url":"\/api\/v1\/phone-numbers\/available-numbers\/\?state=NSW&\[redacted\]&limit=5"/);
    assert.match(log, /"url":"\/api\/v1\/balance\/\?\[redacted\]"/);
    assert.match(log, /"url":"\/no\/such\/route#\[redacted\]"/);
    assert.ok(bodies.some((body) => body.includes('No route for GET /no/such/route"')), 'a 404 names the path it did not find');
  });
});
