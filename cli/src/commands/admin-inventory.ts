import { createReadStream, statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminNumberEvent, BilbyClient, CatalogueSync, ImportReport, StockChange } from '@bilby/sdk';
import { UsageError } from '../failures.js';
import { details, emit, table, type Io } from '../io.js';
import { collect, eventColumns } from './numbers.js';

/** Operator commands on stock: counts, withdraw, reinstate, CSV import, the upstream catalogue's sync and a number's history. */

const adminEventColumns: Array<[string, (e: AdminNumberEvent) => unknown]> = [...eventColumns.slice(0, 2), ['account', (e) => e.account_id], ...eventColumns.slice(2)];

/** A number's whole history, every owner's, newest first. */
export async function showNumberHistory(client: BilbyClient, didNumber: string, options: { limit?: number }, io: Io) {
  const page = await collect(client.admin.numbers.history(didNumber, options), options.limit === undefined);
  emit(io, page, (p) => table(p.results, adminEventColumns));
}

export async function showCounts(client: BilbyClient, io: Io) {
  const counts = await client.admin.inventory.counts();
  emit(io, counts, (c) => {
    const statuses = Object.keys(c.by_status);
    return (
      table(
        Object.entries(c.by_type).map(([type, byStatus]) => ({ type, byStatus })),
        [['type', (r) => r.type], ...statuses.map((s): [string, (r: { byStatus: Record<string, number> }) => unknown] => [s, (r) => r.byStatus[s] ?? 0])],
      ) + `Total: ${c.total}\n`
    );
  });
}

export async function changeStock(client: BilbyClient, action: 'withdraw' | 'reinstate', numbers: string[], io: Io) {
  const result = action === 'withdraw' ? await client.admin.inventory.withdraw(numbers) : await client.admin.inventory.reinstate(numbers);
  emit(io, result, (r: StockChange) =>
    `${action === 'withdraw' ? 'Withdrawn' : 'Reinstated'}: ${r.changed.length ? r.changed.join(', ') : 'none'}\n` +
    r.rejected.map((x) => `Left alone: ${x.did_number} (${x.reason})`).join('\n'),
  );
}

/**
 * Streams the file to the server. On a terminal a progress bar follows the bytes sent (the server
 * reads as it receives, so it tracks the import); piped, a plain line every 10%.
 */
export async function importInventory(client: BilbyClient, file: string, io: Io, progressToTerminal: boolean) {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UsageError(`Cannot read ${file}`);
  }
  const bar = progressToTerminal ? new SingleBar({ format: 'Importing [{bar}] {percentage}% | {value}/{total} MB', stream: process.stderr, hideCursor: true }) : null;
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  bar?.start(mb(size), 0);
  let nextLine = 10;
  const onProgress = (sent: number) => {
    bar?.update(mb(sent));
    const percent = size === 0 ? 100 : Math.floor((sent / size) * 100);
    if (!bar && !io.json && percent >= nextLine) {
      io.err(`import: ${percent}% sent (${mb(sent)} of ${mb(size)} MB)\n`);
      nextLine = Math.floor(percent / 10) * 10 + 10;
    }
  };
  try {
    const report = await client.admin.inventory.import(createReadStream(file, { highWaterMark: 256 * 1024 }), { onProgress });
    bar?.update(mb(size));
    bar?.stop();
    emit(io, report, describeReport);
  } catch (error) {
    bar?.stop();
    throw error;
  }
}

function describeReport(r: ImportReport): string {
  return (
    details([
      ['Rows read', r.rows],
      ['Added', r.added],
      ['Already present', r.skipped],
      ['Rejected', r.rejected],
    ]) +
    (r.rejections.length ? table(r.rejections, [['line', (x) => x.line], ['reason', (x) => x.reason]]) : '') +
    (r.rejections_truncated ? `(only the first ${r.rejections.length} rejections are listed)\n` : '')
  );
}

/** How often a running sync is asked how far it has got. */
const SYNC_POLL_MS = 500;

/**
 * Starts a sync of the upstream's catalogue and follows it to its end. On a terminal a progress bar
 * follows the parts of the upstream's listing read (with pages and numbers so far); piped, a plain
 * line for each part. The report comes last; a failed sync exits with an error after it.
 */
export async function syncInventory(client: BilbyClient, io: Io, progressToTerminal: boolean) {
  let run = await client.admin.inventory.sync();
  const bar = progressToTerminal
    ? new SingleBar({ format: 'Syncing [{bar}] {value}/{total} parts | {pages} pages, {numbers} numbers', stream: process.stderr, hideCursor: true })
    : null;
  bar?.start(run.slices_total, run.slices_done, { pages: run.pages_read, numbers: run.numbers_seen });
  let linesFor = run.slices_done;
  try {
    while (run.status === 'running') {
      await sleep(SYNC_POLL_MS);
      run = await client.admin.inventory.syncs.get(run.id);
      bar?.update(run.slices_done, { pages: run.pages_read, numbers: run.numbers_seen });
      if (!bar && !io.json && run.slices_done > linesFor) {
        linesFor = run.slices_done;
        io.err(`sync: ${run.slices_done} of ${run.slices_total} parts read (${run.pages_read} pages, ${run.numbers_seen} numbers)\n`);
      }
    }
  } finally {
    bar?.stop();
  }
  emit(io, run, describeSync);
  if (run.status === 'failed') throw new Error(`the catalogue sync ${run.id} failed: ${run.error ?? 'no reason given'}`);
}

function describeSync(run: CatalogueSync): string {
  return (
    details([
      ['Sync', `${run.id} (${run.status})`],
      ['Added', run.added],
      ['Repriced', run.repriced],
      ['Withdrawn', run.withdrawn],
      ['Unchanged', run.unchanged],
      ['Numbers seen', run.numbers_seen],
      ['Pages read', run.pages_read],
    ]) +
    (run.skipped_types.length ? `No pricing rule, not synced: ${run.skipped_types.join(', ')} (set one with bilby admin pricing set)\n` : '') +
    (run.error ? `Stopped: ${run.error}\n` : '')
  );
}
