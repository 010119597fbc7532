import type { Readable } from 'node:stream';
import { splitCsvLine, type CsvLineFault } from '../domain/csv-line.js';
import { AppError } from '../domain/errors.js';
import {
  INVENTORY_CSV_COLUMNS,
  readInventoryRow,
  type InventoryCsvRow,
  type InventoryNumber,
  type TypePrices,
} from '../domain/inventory-row.js';
import { readTextLines, type TextLine } from './text-lines.js';

/**
 * The most one line may hold. An inventory line is a few hundred bytes; the limit is what bounds
 * the memory a line takes while it is read, however long the line the upload sends.
 */
export const MAX_LINE_BYTES = 64 * 1024;

export interface CsvRejection {
  /** The file's line number. */
  line: number;
  reason: string;
}

/** What the reader made of the rows since its last batch. */
export interface InventoryCsvBatch {
  /** Data rows read, good or bad (the header and blank lines are not rows). */
  read: number;
  numbers: InventoryNumber[];
  rejections: CsvRejection[];
}

interface Header {
  /** Each field's name as the header wrote it, for messages. */
  names: string[];
  /** The row member each field fills; undefined for a column we do not know. */
  columns: Array<keyof InventoryCsvRow | undefined>;
}

/**
 * Reads an inventory CSV into batches of at most `batchRows` checked numbers and rejected rows,
 * with why each was rejected. Every line is one record: a line that is too long or not CSV is a
 * rejection like a bad number, and the line after it is read as if it had been fine. Throws
 * `invalid_csv` only when the first line cannot name the columns.
 */
export async function* readInventoryCsv(source: Readable, prices: TypePrices, batchRows: number): AsyncGenerator<InventoryCsvBatch> {
  let header: Header | undefined;
  let batch: InventoryCsvBatch = { read: 0, numbers: [], rejections: [] };
  for await (const line of readTextLines(source, MAX_LINE_BYTES)) {
    if (!header) {
      header = readHeader(line);
      continue;
    }
    if ('text' in line && line.text.trim() === '') continue;
    batch.read++;
    const number = readLine(line, header, prices);
    if ('reason' in number) batch.rejections.push({ line: line.line, reason: number.reason });
    else batch.numbers.push(number);
    // Rejections count too: a file of bad lines must not gather them all before a batch goes.
    if (batch.numbers.length + batch.rejections.length >= batchRows) {
      const full = batch;
      batch = { read: 0, numbers: [], rejections: [] };
      yield full;
    }
  }
  yield batch;
}

function readLine(line: TextLine, header: Header, prices: TypePrices): InventoryNumber | { reason: string } {
  if (!('text' in line)) return { reason: `the line is ${tooLong(line.bytes)}` };
  const fields = splitCsvLine(line.text);
  if (!Array.isArray(fields)) return { reason: `the line is not valid CSV: ${describeFault(fields, header.names)}` };
  const row: InventoryCsvRow = {};
  const { columns } = header;
  for (let i = 0; i < columns.length && i < fields.length; i++) {
    const column = columns[i];
    if (column) row[column] = fields[i];
  }
  return readInventoryRow(row, prices);
}

/** The first line that is not blank names the columns; until then there is no header. */
function readHeader(line: TextLine): Header | undefined {
  if (!('text' in line)) throw new AppError('invalid_csv', `The first line, which names the columns, is ${tooLong(line.bytes)}`);
  const text = line.line === 1 ? line.text.replace(/^\uFEFF/, '') : line.text;
  if (text.trim() === '') return undefined;
  const fields = splitCsvLine(text);
  if (!Array.isArray(fields)) {
    throw new AppError('invalid_csv', `The first line, which names the columns, is not valid CSV: ${describeFault(fields, [])}`);
  }
  const names = fields.map((name) => name.trim().toLowerCase());
  if (!names.includes('did_number')) {
    throw new AppError(
      'invalid_csv',
      `The first line must name the columns, including did_number (known: ${INVENTORY_CSV_COLUMNS.join(', ')})`,
    );
  }
  // Columns we do not know are read past, never stored.
  const known = INVENTORY_CSV_COLUMNS as readonly string[];
  return { names, columns: names.map((name) => (known.includes(name) ? (name as keyof InventoryCsvRow) : undefined)) };
}

function describeFault({ field, problem }: CsvLineFault, names: string[]): string {
  const name = names[field - 1];
  return `field ${field}${name ? ` (${name.slice(0, 40)})` : ''} ${problem}`;
}

function tooLong(bytes: number): string {
  return `longer than ${MAX_LINE_BYTES / 1024} KiB, the most a line may hold (it has ${bytes.toLocaleString('en-US')} bytes)`;
}
