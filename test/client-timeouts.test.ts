import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '../sdk/src/index.js';
import { startServer } from './helpers/server-process.js';
import { settledThreads, threadsOf } from './helpers/threads.js';

const ADMIN_KEY = 'client-timeouts-admin-key';
/** Far longer than any timeout the server is given here: only bounds a connection that is never cut. */
const HANG_BOUND_MS = 30_000;

/** Geographic Sydney numbers 02 9xxx xxxx from `first`, one row each. */
function rows(first: number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `029${String(first + i).padStart(7, '0')},geographic,NSW,Sydney,1.00,5.00\n`;
  return text;
}
const CSV_HEADER = 'did_number,number_type,state,city,setup_cost,monthly_cost\n';

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A client on a socket of its own: writes `head`, then each of `parts` after waiting its delay,
 * over and over when `repeat` (a byte every so often, for ever), until the server closes the
 * connection. Resolves with what the server answered; rejects if it is still open after HANG_BOUND_MS.
 */
function slowClient(base: string, head: string, parts: Array<[delayMs: number, text: string]>, repeat = false): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let open = true;
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', () => {}); // writing after the server closed: EPIPE, the close follows
    const bound = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open ${HANG_BOUND_MS} ms (answer so far: ${JSON.stringify(answer)})`));
    }, HANG_BOUND_MS);
    socket.on('close', () => {
      open = false;
      clearTimeout(bound);
      const [top = '', ...rest] = answer.split('\r\n\r\n');
      const [status = '', ...lines] = top.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ statusCode: Number(status.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(head);
    void (async () => {
      do {
        for (const [delay, text] of parts) {
          await sleep(delay);
          if (!open) return;
          socket.write(text);
        }
      } while (repeat && open);
    })();
  });
}

function assertTimedOut(answer: Answer, what: string): void {
  assert.equal(answer.statusCode, 408, `${what}: ${JSON.stringify(answer)}`);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.equal(body.code, 'request_timeout', what);
  assert.equal(typeof body.detail, 'string', what);
  assert.match(String(body.request_id), /^req_/, what);
  assert.equal(answer.headers['x-request-id'], body.request_id, what);
}

describe('slow clients', { skip: process.platform !== 'linux' && 'counts threads in /proc: Linux only' }, () => {
  it('trickling headers, bodies and imports are cut off with a 408 while others are served; a slow but steady import is not', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-client-timeouts-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startServer([], {
      BILBY_DATABASE_URL: `file:${join(dir, 'bilby.db')}`,
      BILBY_ADMIN_KEY: ADMIN_KEY,
      BILBY_RATE_LIMIT_PER_MINUTE: '0',
      BILBY_HEADERS_TIMEOUT_MS: '1000',
      BILBY_BODY_TIMEOUT_MS: '1500',
      BILBY_BODY_IDLE_TIMEOUT_MS: '1000',
    });
    t.after(() => server.stop());
    const admin = createClient({ baseUrl: server.base, adminKey: ADMIN_KEY, timeoutMs: 60_000 }).admin;
    const opened = await (
      await fetch(`${server.base}/admin/v1/accounts`, {
        method: 'POST',
        headers: { 'x-admin-key': ADMIN_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Slow clients', opening_credit: 10 }),
      })
    ).json();
    const key = opened.api_key.api_key as string;

    // What a server starts once (libuv's pool for the log's syncs, the reader threads of counts).
    assert.equal((await admin.inventory.import(Readable.from([CSV_HEADER + rows(0, 10)]))).added, 10);
    assert.equal((await admin.inventory.counts()).by_status.available, 10);
    const idle = await settledThreads(server, 0);

    const address = JSON.stringify({ city: 'Sydney', state: 'NSW', postcode: '2000', street_name: 'George Street' });
    const addressHead = `POST /api/v1/account/address HTTP/1.1\r\nHost: x\r\nX-Crazytel-Api-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: ${address.length}\r\n\r\n`;
    const importHead = (length: number) =>
      `POST /admin/v1/inventory/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: text/csv\r\nContent-Length: ${length}\r\n\r\n`;

    // Headers a byte at a time, for ever.
    const headers = slowClient(server.base, 'GET /api/v1/balance/ HTTP/1.1\r\nHost: x\r\nX-Slow: ', [[200, 'a']], true);
    // A JSON body a byte every 200 ms: never idle, but 40 s to arrive.
    const trickled = slowClient(server.base, addressHead, [...address].map((char) => [200, char]));
    // A JSON body that stops halfway.
    const stalled = slowClient(server.base, addressHead + address.slice(0, 20), []);
    // An import that sends rows steadily (past the JSON body timeout), then a byte every 3 s.
    const importParts: Array<[number, string]> = [[0, CSV_HEADER]];
    for (let i = 0; i < 8; i++) importParts.push([250, rows(1_000 + i * 1_000, 1_000)]);
    const trickledImport = slowClient(server.base, importHead(10_000_000), [...importParts, [3_000, '0'], [3_000, '2'], [3_000, '9']]);

    // Meanwhile everyone else is served, and the import reads on its thread.
    await sleep(600);
    const balance = await fetch(`${server.base}/api/v1/balance/`, { headers: { 'x-crazytel-api-key': key } });
    assert.equal(balance.status, 200);
    assert.ok(threadsOf(server) > idle, 'the trickling import reads on a thread of its own');

    assertTimedOut(await headers, 'headers a byte at a time');
    assertTimedOut(await trickled, 'a JSON body a byte at a time');
    assertTimedOut(await stalled, 'a JSON body that stops');
    assertTimedOut(await trickledImport, 'an import that stops sending');
    assert.equal(await settledThreads(server, idle), idle, "the cut-off import's reading thread ended");
    const kept = (await admin.inventory.counts()).by_status.available ?? 0;
    assert.ok(kept > 10 && kept <= 8_010, `${kept} in stock: the batches the cut-off import wrote stay`);

    // A large upload that keeps coming is not cut off, however long it takes in all.
    const steadyParts: Array<[number, string]> = [[0, CSV_HEADER]];
    for (let i = 0; i < 12; i++) steadyParts.push([250, rows(100_000 + i * 500, 500)]);
    const length = steadyParts.reduce((sum, [, text]) => sum + text.length, 0);
    const steady = await slowClient(server.base, importHead(length).replace('Host: x\r\n', 'Host: x\r\nConnection: close\r\n'), steadyParts);
    assert.equal(steady.statusCode, 200, JSON.stringify(steady));
    assert.equal(JSON.parse(steady.body).added, 6_000);
    assert.equal(await settledThreads(server, idle), idle);
  });
});
