import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { AppError } from '../domain/errors.js';
import {
  INVENTORY_CSV_COLUMNS,
  readInventoryRow,
  type InventoryCsvRow,
  type InventoryNumber,
  type TypePrices,
} from '../domain/inventory-row.js';

export interface CsvRejection {
  /** The file's line number. */
  line: number;
  reason: string;
}

/** What the reader made of the rows since its last batch. */
export interface InventoryCsvBatch {
  /** Data rows read, good or bad (the header is not a row). */
  read: number;
  numbers: InventoryNumber[];
  rejections: CsvRejection[];
}

/**
 * Reads an inventory CSV into batches of at most `batchRows` checked numbers, with the rows it
 * rejected and why. Throws `invalid_csv` when the file cannot be read as CSV at all (no did_number
 * column, or a fault the parser cannot skip past); a bad row is only a rejection.
 */
export async function* readInventoryCsv(source: Readable, prices: TypePrices, batchRows: number): AsyncGenerator<InventoryCsvBatch> {
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    info: true,
    columns: (header: string[]) => checkHeader(header),
  });
  let batch: InventoryCsvBatch = { read: 0, numbers: [], rejections: [] };
  parser.on('skip', (error: CsvError) => {
    batch.read++;
    batch.rejections.push({
      line: Number(error.lines ?? 0),
      reason: `the line is not valid CSV: ${error.message.replace(/^Invalid [^:]*: /, '')}`,
    });
  });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: InventoryCsvRow; info: { lines: number } }>) {
      batch.read++;
      const number = readInventoryRow(record, prices);
      if ('reason' in number) batch.rejections.push({ line: info.lines, reason: number.reason });
      else batch.numbers.push(number);
      if (batch.numbers.length >= batchRows) {
        const full = batch;
        batch = { read: 0, numbers: [], rejections: [] };
        yield full;
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if ((error as CsvError).code?.startsWith('CSV_')) {
      throw new AppError('invalid_csv', `The CSV could not be read: ${(error as Error).message}`);
    }
    throw error;
  }
  yield batch;
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
