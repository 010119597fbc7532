import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ADMIN_HEADERS, createTestContext } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { parseRawAnswer, rawExchange } from './helpers/raw-http.js';
import { startServer } from './helpers/server-process.js';

interface Operation {
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Schema {
  type?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
}

/** Every operation of the committed OpenAPI document with a parameter in its path. */
function pathParamOperations(): Array<{ method: string; path: string; body: Record<string, unknown> | undefined }> {
  const document = JSON.parse(readFileSync('openapi.json', 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    path.includes('{')
      ? Object.entries(operations).map(([method, operation]) => {
          const schema = operation.requestBody ? Object.values(operation.requestBody.content)[0]!.schema : undefined;
          return { method: method.toUpperCase(), path, body: schema ? validBody(schema) : undefined };
        })
      : [],
  );
}

/** The smallest body the schema accepts, so the route gets as far as looking its ids up. */
function validBody(schema: Schema): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const field = schema.properties?.[name] ?? {};
    body[name] = field.enum ? field.enum[0] : field.type === 'number' || field.type === 'integer' ? 1 : field.type === 'boolean' ? true : 'x';
  }
  return body;
}

/** Ids as a client may send them in a path, already escaped where they are escapes. */
const MALFORMED: Record<string, string> = {
  'a bad escape': '%ff',
  'a lone percent sign': '%',
  'a truncated escape': 'ab%4',
  'an escaped NUL': '%00',
  'an escaped control character': 'x%1Fy',
  '101 characters': 'a'.repeat(101),
  '10,000 characters': 'b'.repeat(10_000),
  'escaped unicode': '%E2%98%83%F0%9F%92%A5',
  'an escaped slash': '..%2F..%2Fbalance',
};
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

function assertContractError(res: { statusCode: number; headers: Record<string, unknown>; body: string }, what: string) {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.equal(typeof body.detail, 'string', `${what}: detail in ${res.body.slice(0, 200)}`);
  assert.equal(typeof body.code, 'string', `${what}: code`);
  assert.match(String(body.request_id), /^req_/, `${what}: request_id`);
  assert.equal(res.headers['x-request-id'], body.request_id, `${what}: X-Request-Id`);
  return body;
}

describeEachDatabase('malformed path ids', (dialect) => {
  it('are answered by their route after authentication, exactly as an unknown id, on every route with a path parameter', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const acc = await ctx.createAccount();
    const operations = pathParamOperations();
    assert.ok(operations.length >= 20, `${operations.length} operations with path parameters`);
    for (const { method, path, body } of operations) {
      const admin = path.startsWith('/admin/v1/');
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
      for (const param of params) {
        const url = (id: string) => path.replace(/\{(\w+)\}/g, (_all, name: string) => (name === param ? id : UNKNOWN_UUID));
        const send = (id: string, authenticated: boolean) =>
          ctx.app.inject({
            method: method as 'GET',
            url: url(id),
            headers: authenticated ? (admin ? ADMIN_HEADERS : { 'x-crazytel-api-key': acc.key }) : {},
            ...(body ? { payload: body } : {}),
          });
        // What an id that is merely unknown (well formed, never issued) gets on this route.
        const baseline = await send('not-an-id', true);
        const expected = assertContractError(baseline, `${method} ${path} ${param}=not-an-id`);
        for (const [what, id] of Object.entries(MALFORMED)) {
          const label = `${method} ${path} with ${param} ${what}`;
          const res = await send(id, true);
          const got = assertContractError(res, label);
          assert.deepEqual([res.statusCode, got.code], [baseline.statusCode, expected.code], `${label}: ${res.body.slice(0, 200)}`);
          const anonymous = await send(id, false);
          const refused = assertContractError(anonymous, `${label}, no key`);
          assert.deepEqual([anonymous.statusCode, refused.code], [401, 'unauthenticated'], `${label}, no key: ${anonymous.body.slice(0, 200)}`);
        }
      }
    }
  });
});


describe('requests the router or the HTTP parser cannot read', () => {
  it('are answered in the contract format with a request id, never echoing a query string', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-malformed-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startServer([], { BILBY_DATABASE_URL: `file:${join(dir, 'bilby.db')}`, BILBY_ADMIN_KEY: 'malformed-ids-admin-key' });
    t.after(() => server.stop());
    const close = 'Host: x\r\nConnection: close\r\n\r\n';

    const raw = parseRawAnswer(await rawExchange(server.base, Buffer.from(`GET /api/v1/phone-numbers/orders/☃ HTTP/1.1\r\n${close}`, 'utf8')));
    assert.deepEqual([raw.statusCode, assertContractError(raw, 'unescaped unicode').code], [400, 'invalid_request']);
    const line = parseRawAnswer(await rawExchange(server.base, `GET /api/v1/balance/ with spaces HTTP/1.1\r\n${close}`));
    assert.deepEqual([line.statusCode, assertContractError(line, 'a bad request line').code], [400, 'invalid_request']);
    const huge = parseRawAnswer(await rawExchange(server.base, `GET /api/v1/balance/ HTTP/1.1\r\nX-Padding: ${'p'.repeat(20_000)}\r\n${close}`));
    assert.deepEqual([huge.statusCode, assertContractError(huge, 'headers over the limit').code], [431, 'headers_too_large']);
    const hugeHealth = parseRawAnswer(await rawExchange(server.base, `GET /healthz HTTP/1.1\r\nX-Padding: ${'p'.repeat(20_000)}\r\n${close}`));
    assert.deepEqual([hugeHealth.statusCode, assertContractError(hugeHealth, 'headers over the limit on /healthz').code], [431, 'headers_too_large']);
    const scheme = parseRawAnswer(await rawExchange(server.base, `GET ftp://x/api/v1/balance/?api_key=s3cret-scheme HTTP/1.1\r\n${close}`));
    assert.deepEqual([scheme.statusCode, assertContractError(scheme, 'a URL of another scheme').code], [404, 'not_found']);
    const absolute = parseRawAnswer(await rawExchange(server.base, `GET http://x/api/v1/phone-numbers/orders/%ff?api_key=s3cret-absolute HTTP/1.1\r\n${close}`));
    assert.deepEqual([absolute.statusCode, assertContractError(absolute, 'an absolute URL with a bad escape').code], [401, 'unauthenticated']);
    const keyed = await fetch(`${server.base}/api/v1/phone-numbers/orders/%ff?api_key=s3cret-query`);
    assertContractError({ statusCode: keyed.status, headers: { 'x-request-id': keyed.headers.get('x-request-id') }, body: await keyed.text() }, 'a bad escape');
    for (const answer of [scheme, absolute]) assert.equal(answer.body.includes('s3cret'), false, answer.body);
  });
});
