import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '../sdk/src/index.js';
import { startServer } from './helpers/server-process.js';
import { settledThreads, threadsOf } from './helpers/threads.js';

const ADMIN_KEY = 'import-threads-admin-key';

/** Geographic Sydney numbers 02 9xxx xxxx from `first`, one row each. */
function csv(first: number, rows: number): string {
  const lines = ['did_number,number_type,state,city,setup_cost,monthly_cost'];
  for (let i = 0; i < rows; i++) lines.push(`029${String(first + i).padStart(7, '0')},geographic,NSW,Sydney,1.00,5.00`);
  return `${lines.join('\n')}\n`;
}

describe('imports read on a thread of their own', { skip: process.platform !== 'linux' && 'counts threads in /proc: Linux only' }, () => {
  it('two imports at once both finish; an upload that breaks off stops its thread and keeps its written batches', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-import-threads-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startServer([], { BILBY_DATABASE_URL: `file:${join(dir, 'bilby.db')}`, BILBY_ADMIN_KEY: ADMIN_KEY });
    t.after(() => server.stop());
    const admin = createClient({ baseUrl: server.base, adminKey: ADMIN_KEY, timeoutMs: 120_000 }).admin;

    // The first import and the first count start what a server starts once (libuv's pool for the
    // log's syncs, the reader threads that counts run on).
    assert.equal((await admin.inventory.import(Readable.from([csv(0, 10)]))).added, 10);
    assert.equal((await admin.inventory.counts()).by_status.available, 10);
    const idle = await settledThreads(server, 0);

    const [a, b] = await Promise.all([
      admin.inventory.import(Readable.from([csv(1_000, 20_000)])),
      admin.inventory.import(Readable.from([csv(100_000, 20_000)])),
    ]);
    assert.deepEqual([a.added, a.rejected, b.added, b.rejected], [20_000, 0, 20_000, 0]);
    assert.equal((await admin.inventory.counts()).by_status.available, 40_010);
    assert.equal(await settledThreads(server, idle), idle, 'both reading threads ended');

    // An upload that stops halfway: the client goes away after 30,000 of its rows.
    const upload = request(`${server.base}/admin/v1/inventory/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${ADMIN_KEY}` },
    });
    upload.on('error', () => {});
    upload.write(csv(200_000, 30_000));
    let stocked = 40_010;
    for (let i = 0; i < 200 && stocked === 40_010; i++) {
      await sleep(50);
      stocked = (await admin.inventory.counts()).by_status.available ?? 0;
    }
    assert.ok(stocked > 40_010, 'the import wrote some batches before the client went away');
    assert.ok(threadsOf(server) > idle, 'the import is reading on a thread of its own');
    upload.destroy();
    assert.equal(await settledThreads(server, idle), idle, 'the broken import\'s reading thread ended');
    const kept = (await admin.inventory.counts()).by_status.available ?? 0;
    assert.ok(kept <= 70_010 && kept >= stocked, `${kept} numbers in stock: the batches written before the break, none after`);
    // The server goes on importing.
    assert.equal((await admin.inventory.import(Readable.from([csv(300_000, 100)]))).added, 100);
  });
});
