import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { startServer, type ServerProcess } from './helpers/server-process.js';

const ADMIN_KEY = 'import-memory-admin-key';
const MB = 1024 * 1024;

/** The most memory the process has held at once since it started (Linux). */
function peakRssBytes(server: ServerProcess): number {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

/** Posts the chunks as one streamed text/csv upload and answers with the status and parsed body. */
function upload(server: ServerProcess, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.base}/admin/v1/inventory/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${ADMIN_KEY}` },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    pipeline(Readable.from(chunks), req).catch(reject);
  });
}

/** `bytes` of one field, made a chunk at a time: the test never holds the line itself. */
function* longField(bytes: number): Generator<Buffer> {
  const chunk = Buffer.alloc(MB, 'x');
  for (let sent = 0; sent < bytes; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, bytes - sent));
}

describe('inventory import memory', { skip: process.platform !== 'linux' && 'reads VmHWM in /proc: Linux only' }, () => {
  it('reads past a 200 MB line without holding it: the server peaks within 150 MB of its idle peak', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bilby-import-memory-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startServer([], { BILBY_DATABASE_URL: `file:${join(dir, 'bilby.db')}`, BILBY_ADMIN_KEY: ADMIN_KEY });
    t.after(() => server.stop());
    // A first import starts what every import shares (its thread's code, the log's syncs).
    const first = await upload(server, [Buffer.from('did_number,setup_cost,monthly_cost,city\n0291234500,1,5,Sydney\n')]);
    assert.deepEqual([first.status, first.body.added], [200, 1], JSON.stringify(first.body));
    const idle = peakRssBytes(server);

    const res = await upload(server, (function* () {
      yield Buffer.from('did_number,setup_cost,monthly_cost,city\n0291234501,1,5,Sydney\n0291234502,1,5,');
      yield* longField(200 * MB);
      yield Buffer.from('\n0291234503,1,5,Sydney\n');
    })());
    const peak = peakRssBytes(server);
    t.diagnostic(`peak RSS ${Math.round(idle / MB)} MB idle, ${Math.round(peak / MB)} MB after the 200 MB line`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(peak - idle < 150 * MB, `peak RSS grew by ${Math.round((peak - idle) / MB)} MB reading one long line`);
    assert.deepEqual([res.body.rows, res.body.added, res.body.rejected], [3, 2, 1]);
    assert.equal(res.body.rejections[0].line, 3);
    assert.match(res.body.rejections[0].reason, /line is longer than 64 KiB/);
  });
});
