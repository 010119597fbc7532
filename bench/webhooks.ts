import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { ensureInventoryDatabase } from './inventory-db.js';
import { startProcess } from './processes.js';
import { preparePurchaseDatabase, purchaseRequest } from './purchase-setup.js';

/**
 * Issue 20's figures, against a real server process (the built bin: `npx tsx bench/webhooks.ts
 * cli/dist/bilby.mjs`) on SQLite and a local receiver answering 200 at once:
 * - webhook deliveries a second: a backlog of number.updated events over 200 numbers, queued while
 *   the endpoint is disabled, then the time to deliver them all once it is enabled;
 * - purchase to webhook: one purchase at a time, from its 200 to its number.purchased at the receiver (p50, p99);
 * - a bulk order of 100 numbers: the time of its POST.
 */
const bin = resolve(process.argv[2] ?? 'cli/dist/bilby.mjs');
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 5_000);
const PURCHASES = Number(process.env.BENCH_PURCHASES ?? 300);
const DATA = join('bench', '.data', 'webhooks');
mkdirSync(DATA, { recursive: true });
const stock = join('bench', '.data', 'inventory-200000.db');
await ensureInventoryDatabase(stock, 200_000, console.log);

const arrivals = new Map<string, number>();
let received = 0;
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received += 1;
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { kind: string; did_number: string | null };
    if (event.kind === 'number.purchased' && event.did_number) arrivals.set(event.did_number, performance.now());
    response.writeHead(204).end();
  });
});
await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

const path = join(DATA, 'bench.db');
const carrier = join(DATA, 'carrier.db');
for (const file of [path, carrier]) for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
const buyers = await preparePurchaseDatabase(stock, path, 1);
const server = await startProcess([process.execPath, bin, 'serve'], {
  BILBY_RATE_LIMIT_PER_MINUTE: '0',
  BILBY_DATABASE_URL: `file:${path}`,
  BILBY_CARRIER_DATABASE_URL: `file:${carrier}`,
  BILBY_BILLING_INTERVAL: 'off',
  BILBY_WEBHOOK_ALLOW_PRIVATE: 'true',
  ...(process.env.BILBY_WEBHOOK_PER_ENDPOINT ? { BILBY_WEBHOOK_PER_ENDPOINT: process.env.BILBY_WEBHOOK_PER_ENDPOINT } : {}),
});
const buyer = buyers.accounts[0]!;
const call = async (method: string, route: string, body?: unknown) => {
  const response = await fetch(`${server.base}/api/v1${route}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.apiKey },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
};
const waitFor = async (count: number) => {
  while (received < count) await new Promise((done) => setTimeout(done, 2));
};

try {
  let next = 0;
  const buyOne = () => {
    const { body } = purchaseRequest(buyers, next++);
    return call('POST', '/phone-numbers/purchase', JSON.parse(body));
  };
  const owned: string[] = [];
  for (let i = 0; i < 200; i++) owned.push(String((await buyOne()).did_number));

  const endpoint = await call('POST', '/webhooks', { url: hookUrl, events: ['*'] });
  await call('PATCH', `/webhooks/${endpoint.id}`, { status: 'disabled' });
  for (let i = 0; i < BACKLOG; i++) await call('PATCH', '/phone-numbers', { did_number: owned[i % owned.length], description: `round ${i}` });
  const backlogStart = performance.now();
  await call('PATCH', `/webhooks/${endpoint.id}`, { status: 'enabled' });
  await waitFor(BACKLOG);
  const backlogSeconds = (performance.now() - backlogStart) / 1000;
  console.log(`webhook deliveries: ${BACKLOG} in ${backlogSeconds.toFixed(2)} s = ${Math.round(BACKLOG / backlogSeconds)}/s`);

  const latencies: number[] = [];
  for (let i = 0; i < PURCHASES; i++) {
    const answer = await buyOne();
    const answered = performance.now();
    const did = String(answer.did_number);
    while (!arrivals.has(did)) await new Promise((done) => setTimeout(done, 1));
    latencies.push(arrivals.get(did)! - answered);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  console.log(`purchase to webhook (${PURCHASES} purchases one at a time): p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${at(1).toFixed(1)} ms`);

  const hundred = buyers.numbers.slice(next, next + 100);
  next += 100;
  const bulkStart = performance.now();
  const bulk = await call('POST', '/phone-numbers/orders/', {
    did_numbers: hundred,
    address_id: buyer.addressId,
    person_id: buyer.personId,
    primary_route: 'device',
    primary_destination: '1000000',
  });
  console.log(`bulk order of 100 numbers: ${(performance.now() - bulkStart).toFixed(0)} ms, ${bulk.status}`);
} finally {
  await server.stop();
  receiver.close();
}
