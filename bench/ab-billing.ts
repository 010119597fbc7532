import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measureBillingRun, prepare, type MeasuredRun } from './billing.js';
import { median } from './load.js';

/**
 * Two builds' billing runs, interleaved: `npx tsx bench/ab-billing.ts <bin A> <bin B>` (each a
 * cli/dist/bilby.mjs of trees with the same schema). One file is prepared as bench/billing.ts
 * prepares it (BENCH_BILLING_ROWS tenures due); each round gives each build a fresh copy of it,
 * the order alternating between rounds (BENCH_ROUNDS). Prints each run's renewals a second and the
 * searches' p99 before and during it.
 */
const [binA, binB] = process.argv.slice(2).map((bin) => resolve(bin));
if (!binA || !binB) throw new Error('usage: ab-billing.ts <bin A> <bin B>');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'bilby-ab-billing-'));
try {
  const prepared = join(dir, 'prepared.db');
  const searcher = await prepare(prepared);
  const runs: Record<'A' | 'B', MeasuredRun[]> = { A: [], B: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const sides = round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const);
    for (const side of sides) {
      const path = join(dir, `round-${round}-${side}.db`);
      copyFileSync(prepared, path);
      const run = await measureBillingRun(path, searcher, { bin: side === 'A' ? binA : binB }, (message) => console.log(`round ${round + 1} ${side}: ${message}`));
      runs[side].push(run);
      rmSync(path, { force: true });
      for (const suffix of ['-wal', '-shm']) rmSync(path + suffix, { force: true });
    }
  }
  for (const side of ['A', 'B'] as const) {
    const list = runs[side];
    console.log(
      `${side}: renewals/s ${list.map((r) => Math.round(r.perSecond)).join(', ')} (median ${Math.round(median(list.map((r) => r.perSecond)))}); ` +
        `search p99 before ${list.map((r) => r.before.p99Ms).join(', ')} ms, worst during ${list.map((r) => r.worst).join(', ')} ms; ` +
        `searches/s during ${list.map((r) => Math.round(median(r.during.map((d) => d.rps)))).join(', ')} (before ${list.map((r) => Math.round(r.before.rps)).join(', ')})`,
    );
  }
  const ratio = (pick: (r: MeasuredRun) => number) => (median(runs.B.map(pick)) / median(runs.A.map(pick))).toFixed(2);
  console.log(`B / A (medians): renewals/s ${ratio((r) => r.perSecond)}, worst search p99 during ${ratio((r) => r.worst)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
