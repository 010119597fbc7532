import type { Readable } from 'node:stream';
import { isCarrierName, type CarrierName } from '../domain/carrier-name.js';
import type { InventoryNumber, TypePrices } from '../domain/inventory-row.js';
import { insertNumbers } from '../store/number-store.js';
import { listPrices } from '../store/price-store.js';
import type { NewPhoneNumber } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { readInventoryOffThread } from './read-inventory-off-thread.js';

export interface ImportReport {
  /** Data rows read (the header is not a row). */
  rows: number;
  added: number;
  /** Rows whose number was already in the inventory (or earlier in the same file). */
  skipped: number;
  rejected: number;
  /** The first rejected rows, with the file's line number and the reason. */
  rejections: Array<{ line: number; reason: string }>;
  /** True when more rows were rejected than `rejections` lists. */
  rejections_truncated: boolean;
}

/** Small enough that a batch dies young (not promoted by the GC while it waits on the database). */
const BATCH_ROWS = 1_000;
const MAX_REJECTIONS_LISTED = 1_000;

/**
 * Streams an inventory CSV into stock: rows are read, checked and inserted in batches, so memory
 * stays bounded whatever the file's size. A bad row is reported and never stops the good ones;
 * a number already in stock is skipped, so importing a file twice adds nothing the second time.
 */
export async function importNumbers(
  deps: ServiceDeps,
  source: Readable,
  onBatch: (report: ImportReport) => void = () => {},
): Promise<ImportReport> {
  const prices: TypePrices = new Map(
    (await listPrices(deps.database.db)).map((row) => [
      row.number_type,
      { setupCents: Number(row.setup_cost_cents), monthlyCents: Number(row.monthly_cost_cents) },
    ]),
  );
  const report: ImportReport = { rows: 0, added: 0, skipped: 0, rejected: 0, rejections: [], rejections_truncated: false };
  const reject = (line: number, reason: string) => {
    report.rejected++;
    if (report.rejections.length < MAX_REJECTIONS_LISTED) report.rejections.push({ line, reason });
    else report.rejections_truncated = true;
  };

  // Rows that name no carrier are the configured carrier's.
  const carrier: CarrierName = isCarrierName(deps.carrier.name) ? deps.carrier.name : 'simulated';
  let at = isoNow(deps);
  for await (const batch of readInventoryOffThread(source, prices, BATCH_ROWS)) {
    report.rows += batch.read;
    for (const { line, reason } of batch.rejections) reject(line, reason);
    if (batch.numbers.length > 0) {
      const rows = withCarriers(batch.numbers.map((number) => newPhoneNumber(number, carrier, at)));
      // In key order, so the inserts walk each index instead of jumping around it.
      rows.sort((a, b) => (a.did_number < b.did_number ? -1 : a.did_number > b.did_number ? 1 : 0));
      const added = await deps.database.writeTransaction((trx) => insertNumbers(trx, rows));
      report.added += added;
      report.skipped += rows.length - added;
      at = isoNow(deps);
    }
    onBatch(report);
  }
  return report;
}

function newPhoneNumber(number: InventoryNumber, carrier: CarrierName, at: string): NewPhoneNumber {
  return {
    did_number: number.didNumber,
    country: number.country,
    number_type: number.numberType,
    state: number.state,
    city: number.city,
    area_code: number.areaCode,
    setup_cost_cents: number.setupCents,
    monthly_cost_cents: number.monthlyCents,
    custom_price: number.customPrice ? 1 : 0,
    ...carrierColumn(number.carrier ?? carrier),
    status: 'available',
    block_premium: 0,
    created_at: at,
    updated_at: at,
  };
}

/**
 * The column's default is `simulated`: a row of that carrier leaves it out, so an import of own
 * ranges sends what it sent before numbers named their carrier (a parameter less per row).
 */
function carrierColumn(carrier: CarrierName): { carrier?: CarrierName } {
  return carrier === 'simulated' ? {} : { carrier };
}

/**
 * A batch whose rows name different carriers names the carrier in every row: the batch insert
 * needs one column list, and SQLite would fill a column some rows leave out with NULL.
 */
function withCarriers(rows: NewPhoneNumber[]): NewPhoneNumber[] {
  const named = rows.filter((row) => row.carrier !== undefined).length;
  if (named === 0 || named === rows.length) return rows;
  for (const row of rows) row.carrier ??= 'simulated';
  return rows;
}
