import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { buyerValues, capturedNumber } from './captured-purchase.js';
import type { CapturedQuery } from './postgres-purchase.js';
import type { FloorInput } from './postgres-floor-worker.js';
import type { Buyers } from './purchase-setup.js';

/**
 * The floor under any Node.js server running Bilby's purchase SQL on PostgreSQL: the captured
 * statements replayed through node-postgres as named prepared statements (as Bilby sends them), from
 * `processes` processes holding `connections` connections between them, each purchase a distinct
 * number, buyer and ids. No HTTP, no JSON, no query building. Returns purchases per second.
 */
export async function replayPostgresPurchases(
  url: string,
  captured: CapturedQuery[],
  buyers: Buyers,
  options: { processes: number; connections: number; seconds: number; warmUpSeconds: number; dataDir: string },
): Promise<{ rps: number; failures: number }> {
  const inputs = await floorInputs(url, captured, buyers, options.processes, options.connections);
  const workers = inputs.map((input) => {
    const path = join(options.dataDir, `postgres-floor-${input.worker}.json`);
    writeFileSync(path, JSON.stringify(input));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/postgres-floor-worker.ts', path], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    return { child, output: () => output };
  });
  while (!workers.every((worker) => worker.output().includes('ready\n'))) {
    if (workers.some((worker) => worker.child.exitCode !== null)) throw new Error('a PostgreSQL floor worker exited early');
    await sleep(20);
  }
  for (const worker of workers) worker.child.stdin!.write('go\n');
  // Purchases are counted from "mark", once the workers' code is JIT-compiled as Bilby's is.
  await sleep(options.warmUpSeconds * 1000);
  for (const worker of workers) worker.child.stdin!.write('mark\n');
  const started = performance.now();
  await sleep(options.seconds * 1000);
  for (const worker of workers) worker.child.stdin!.write('stop\n');
  const elapsed = (performance.now() - started) / 1000;
  let purchases = 0;
  let failures = 0;
  for (const worker of workers) {
    if (worker.child.exitCode === null) await once(worker.child, 'exit');
    const counts = JSON.parse(worker.output().trim().split('\n').at(-1)!) as { purchases: number; failures: number };
    purchases += counts.purchases;
    failures += counts.failures;
  }
  return { rps: purchases / elapsed, failures };
}

/**
 * Each process's share of a replay: `connections` spread over `processes`, the numbers dealt out in
 * turn. Workers are numbered from `firstWorker`, which keeps their ids apart from another replay's.
 */
export async function floorInputs(
  url: string,
  captured: CapturedQuery[],
  buyers: Buyers,
  processes: number,
  connections: number,
  firstWorker = 0,
): Promise<FloorInput[]> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const values = await buyerValues(buyers, async (keyHash) => (await admin.query('SELECT account_id FROM api_key WHERE key_hash = $1', [keyHash])).rows[0].account_id);
  await admin.end();
  const capturedBuyer = values.find((buyer) => captured.some((query) => query.values.includes(buyer.accountId)))!;
  const capturedDid = capturedNumber(captured.map((query) => query.values));
  return Array.from({ length: processes }, (_, worker) => ({
    url,
    captured,
    capturedDid,
    capturedBuyer,
    buyers: values,
    numbers: buyers.numbers.filter((_, i) => i % processes === worker),
    connections: Math.floor(connections / processes) + (worker < connections % processes ? 1 : 0),
    worker: firstWorker + worker,
  }));
}
