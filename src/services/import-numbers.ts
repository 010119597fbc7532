import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { AppError } from '../domain/errors.js';
import {
  INVENTORY_CSV_COLUMNS,
  readInventoryRow,
  type InventoryCsvRow,
  type TypePrices,
} from '../domain/inventory-row.js';
import { insertNumbers } from '../store/number-store.js';
import { listPrices } from '../store/price-store.js';
import type { NewPhoneNumber } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';

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

  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    info: true,
    columns: (header: string[]) => checkHeader(header),
  });
  parser.on('skip', (error: CsvError) => {
    report.rows++;
    reject(Number(error.lines ?? 0), `the line is not valid CSV: ${error.message.replace(/^Invalid [^:]*: /, '')}`);
  });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);

  let batch: NewPhoneNumber[] = [];
  let at = isoNow(deps);
  const flush = async () => {
    if (batch.length === 0) return;
    // In key order, so the inserts walk each index instead of jumping around it.
    const rows = batch.sort((a, b) => (a.did_number < b.did_number ? -1 : a.did_number > b.did_number ? 1 : 0));
    batch = [];
    const added = await deps.database.writeTransaction((trx) => insertNumbers(trx, rows));
    report.added += added;
    report.skipped += rows.length - added;
    onBatch(report);
    at = isoNow(deps);
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: InventoryCsvRow; info: { lines: number } }>) {
      report.rows++;
      const number = readInventoryRow(record, prices);
      if ('reason' in number) {
        reject(info.lines, number.reason);
        continue;
      }
      batch.push({
        did_number: number.didNumber,
        country: number.country,
        number_type: number.numberType,
        state: number.state,
        city: number.city,
        area_code: number.areaCode,
        setup_cost_cents: number.setupCents,
        monthly_cost_cents: number.monthlyCents,
        custom_price: number.customPrice ? 1 : 0,
        status: 'available',
        block_premium: 0,
        created_at: at,
        updated_at: at,
      });
      if (batch.length >= BATCH_ROWS) await flush();
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if ((error as CsvError).code?.startsWith('CSV_')) {
      throw new AppError('invalid_csv', `The CSV could not be read: ${(error as Error).message}`);
    }
    throw error;
  }
  await flush();
  // The parser reports unreadable lines as it meets them, ahead of the rows it has yet to hand over.
  report.rejections.sort((a, b) => a.line - b.line);
  return report;
}

function checkHeader(header: string[]): Array<string | false> {
  const names = header.map((name) => name.trim().toLowerCase());
  if (!names.includes('did_number')) {
    throw new AppError(
      'invalid_csv',
      `The first line must name the columns, including did_number (known: ${INVENTORY_CSV_COLUMNS.join(', ')})`,
    );
  }
  // Columns we do not know are read past, never stored.
  return names.map((name) => ((INVENTORY_CSV_COLUMNS as readonly string[]).includes(name) ? name : false));
}
