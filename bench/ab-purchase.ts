import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureInventoryDatabase } from './inventory-db.js';
import { median } from './load.js';
import { startProcess } from './processes.js';
import { loadPurchases, preparePurchaseDatabase } from './purchase-setup.js';

/**
 * Two builds of Bilby's purchases, interleaved: `npx tsx bench/ab-purchase.ts <bin A> <bin B>`
 * (each a cli/dist/bilby.mjs). Run it from the older tree: each round prepares a fresh database
 * with that tree's code, and each build gets its own copy (a newer build migrates its copy at
 * start). The order alternates between rounds; the machine's drift hits both sides alike.
 */
const [binA, binB] = process.argv.slice(2).map((bin) => resolve(bin));
if (!binA || !binB) throw new Error('usage: ab-purchase.ts <bin A> <bin B>');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DATA = join('bench', '.data', 'ab');
mkdirSync(DATA, { recursive: true });
const stock = join('bench', '.data', 'inventory-200000.db');
await ensureInventoryDatabase(stock, 200_000, console.log);

const results: Record<'A' | 'B', number[]> = { A: [], B: [] };
const cpu: Record<'A' | 'B', number[]> = { A: [], B: [] };

/** CPU time the process has used, every thread's, in microseconds (/proc: user and system ticks). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
}
for (let round = 0; round < ROUNDS; round++) {
  const prepared = join(DATA, 'prepared.db');
  const buyers = await preparePurchaseDatabase(stock, prepared, 64);
  for (const side of round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
    const path = join(DATA, `${side}.db`);
    const carrier = join(DATA, `${side}-carrier.db`);
    for (const file of [path, carrier]) for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    copyFileSync(prepared, path);
    const server = await startProcess([process.execPath, side === 'A' ? binA : binB, 'serve'], {
      BILBY_RATE_LIMIT_PER_MINUTE: '0',
      BILBY_LOG_LEVEL: 'warn',
      BILBY_DATABASE_URL: `file:${path}`,
      BILBY_CARRIER_DATABASE_URL: `file:${carrier}`,
      BILBY_RECOVERY_INTERVAL_MS: '600000',
      BILBY_BILLING_INTERVAL: 'off',
    });
    const counter = { next: 0 };
    await loadPurchases(server.base, buyers, { counter, seconds: SECONDS });
    const cpuBefore = cpuMicros(server.pid);
    const measured = await loadPurchases(server.base, buyers, { counter, seconds: SECONDS });
    const perPurchase = (cpuMicros(server.pid) - cpuBefore) / Math.max(1, measured.rps * SECONDS);
    results[side].push(measured.rps);
    cpu[side].push(perPurchase);
    console.log(
      `round ${round + 1} ${side}: ${Math.round(measured.rps)} purchases/s, the server's CPU ${Math.round(perPurchase)} µs a purchase (${measured.non2xx} non-2xx, ${measured.errors} errors)`,
    );
    await server.stop();
  }
}
console.log(`A: ${results.A.map(Math.round).join(', ')}; B: ${results.B.map(Math.round).join(', ')}; B / A (medians) ${(median(results.B) / median(results.A)).toFixed(3)}`);
console.log(`CPU µs a purchase, A: ${cpu.A.map(Math.round).join(', ')}; B: ${cpu.B.map(Math.round).join(', ')}; B / A (medians) ${(median(cpu.B) / median(cpu.A)).toFixed(3)}`);
