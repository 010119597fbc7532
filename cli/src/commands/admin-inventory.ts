import { createReadStream, statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { BilbyClient, ImportReport, StockChange } from '@bilby/sdk';
import { UsageError } from '../failures.js';
import { details, emit, table, type Io } from '../io.js';

/** Operator commands on stock: counts, withdraw, reinstate, and CSV import. */

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
