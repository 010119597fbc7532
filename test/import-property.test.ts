import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { it } from 'node:test';
import fc from 'fast-check';
import { splitCsvLine } from '../server/src/domain/csv-line.js';
import { MAX_LINE_BYTES } from '../server/src/services/inventory-csv.js';
import { readTextLines, type TextLine } from '../server/src/services/text-lines.js';
import { createTestContext, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const HEADER = ['did_number', 'number_type', 'state', 'city', 'setup_cost', 'monthly_cost'];
const CITIES = ['', 'Sydney', 'North Sydney', '  Parramatta ', 'Sydney, NSW', 'The "Rocks"', 'Woolloomooloo,,"'];

/** A data line as generated, before it is written out. */
type Line =
  | { kind: 'good'; city: string; typed: boolean; stated: boolean; priced: boolean; quoted: boolean[] }
  | { kind: 'bad' }
  | { kind: 'blank'; text: string }
  /** A city long enough that the line is `bytes` long, around and past the line limit. */
  | { kind: 'long'; bytes: number };

const dataLine: fc.Arbitrary<Line> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('good' as const),
      city: fc.constantFrom(...CITIES),
      typed: fc.boolean(),
      stated: fc.boolean(),
      priced: fc.boolean(),
      quoted: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'bad' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('blank' as const), text: fc.constantFrom('', ' ', '\t ') }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('long' as const),
      bytes: fc.oneof(fc.integer({ min: MAX_LINE_BYTES - 2, max: MAX_LINE_BYTES + 2 }), fc.integer({ min: 1_000, max: 3 * MAX_LINE_BYTES })),
    }),
  },
);

/** `arbitrary`'s value one time in `every`, null otherwise. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, every: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

const upload = fc.record({
  lines: fc.array(
    fc.record({
      line: dataLine,
      end: fc.constantFrom('\n', '\r\n', '\r'),
      // Where a stray quote goes into the line, if one does.
      strayQuote: sometimes(fc.nat(), 5),
    }),
    { maxLength: 40 },
  ),
  headerEnd: fc.constantFrom('\n', '\r\n', '\r'),
  headerQuote: sometimes(fc.nat(), 12),
  bom: fc.boolean(),
  lastEnds: fc.boolean(),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
});

type Upload = typeof upload extends fc.Arbitrary<infer T> ? T : never;

function csvField(value: string, quoted: boolean): string {
  return quoted || /[",]/.test(value) ? ` "${value.replaceAll('"', '""')}"` : value;
}

function withQuote(text: string, at: number | null): string {
  if (at === null) return text;
  const pos = at % (text.length + 1);
  return `${text.slice(0, pos)}"${text.slice(pos)}`;
}

/** The upload's text line by line, with what each data line must come to. */
function render(input: Upload, firstNumber: number) {
  const rows: Array<{ lineNumber: number; text: string; line: Line; didNumber: string; damaged: boolean }> = [];
  let text = (input.bom ? '\uFEFF' : '') + withQuote(HEADER.join(','), input.headerQuote) + input.headerEnd;
  let previousEnd = input.headerEnd;
  input.lines.forEach(({ line, end, strayQuote }, i) => {
    const did = `029${String(firstNumber + i).padStart(7, '0')}`;
    let lineText: string;
    if (line.kind === 'good') {
      const values = [did, line.typed ? 'geographic' : '', line.stated ? 'NSW' : '', line.city, line.priced ? '1.50' : '', line.priced ? '4' : ''];
      lineText = values.map((value, column) => csvField(value, line.quoted[column]!)).join(',');
    } else if (line.kind === 'bad') lineText = `not-${did},,,,1,1`;
    else if (line.kind === 'blank') lineText = line.text;
    else lineText = `${did},,,${'y'.repeat(line.bytes - did.length - 7)},1,5`;
    const damaged = line.kind !== 'blank' && strayQuote !== null;
    if (damaged) lineText = withQuote(lineText, strayQuote);
    // A CR, then an empty line ended by LF, would be one CRLF: end that empty line with CRLF.
    const ending = previousEnd === '\r' && lineText === '' && end === '\n' ? '\r\n' : end;
    const last = i === input.lines.length - 1;
    text += lineText + (last && !input.lastEnds && lineText !== '' ? '' : ending);
    previousEnd = ending;
    rows.push({ lineNumber: i + 2, text: lineText, line, didNumber: `61${did.slice(1)}`, damaged });
  });
  return { text, rows };
}

function chunked(text: string, sizes: number[]): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks);
}

async function stock(ctx: TestContextApi, numbers: string[]): Promise<Map<string, string | null>> {
  if (numbers.length === 0) return new Map();
  const rows = await ctx.db.selectFrom('phone_number').select(['did_number', 'city']).where('did_number', 'in', numbers).execute();
  return new Map(rows.map((row) => [row.did_number, row.city]));
}

/** Text as a line may hold it: no line breaks, with commas, quotes, blanks and characters of 1 to 4 bytes. */
const lineText = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', ',', '"', ' ', '\t', 'é', '€', '😀'), maxLength });
const lineEnd = fc.constantFrom('\n', '\r\n', '\r');

it('splitCsvLine reads back any fields written as CSV, and refuses any line with a lone quote', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ value: lineText(12), quoted: fc.boolean(), blanks: fc.constantFrom('', ' ', '\t ') }), { minLength: 1, maxLength: 8 }), (fields) => {
      const line = fields
        .map(({ value, quoted, blanks }) => (quoted || /[",]/.test(value) ? `${blanks}"${value.replaceAll('"', '""')}"${blanks}` : value))
        .join(',');
      assert.deepEqual(splitCsvLine(line), fields.map(({ value }) => value));
    }),
    { numRuns: 2_000 },
  );
  fc.assert(
    fc.property(fc.array(lineText(12).map((value) => value.replaceAll('"', '')), { minLength: 1, maxLength: 8 }), fc.nat(), (values, at) => {
      const line = withQuote(values.join(','), at);
      const fault = splitCsvLine(line);
      assert.ok(!Array.isArray(fault), `${JSON.stringify(line)} read as ${JSON.stringify(fault)}`);
    }),
    { numRuns: 2_000 },
  );
});

it('readTextLines numbers every line once, however line ends mix and chunks fall, and gives a line past its limit only by its length', async () => {
  const maxBytes = 24;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ text: lineText(20), end: lineEnd }), { maxLength: 30 }),
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
      async (lines, lastEnds, chunkSizes) => {
        let text = '';
        let previousEnd = '';
        const expected: TextLine[] = [];
        lines.forEach((line, i) => {
          // A CR, then an empty line ended by LF, would be one CRLF: end that empty line with CRLF.
          const end = previousEnd === '\r' && line.text === '' && line.end === '\n' ? '\r\n' : line.end;
          const last = i === lines.length - 1;
          text += line.text + (last && !lastEnds ? '' : end);
          previousEnd = end;
          if (last && !lastEnds && line.text === '') return;
          const bytes = Buffer.byteLength(line.text);
          expected.push(bytes > maxBytes ? { line: i + 1, tooLong: true, bytes } : { line: i + 1, text: line.text });
        });
        const read: TextLine[] = [];
        for await (const line of readTextLines(chunked(text, chunkSizes), maxBytes)) read.push(line);
        assert.deepEqual(read, expected);
      },
    ),
    { numRuns: 1_000 },
  );
});

describeEachDatabase('inventory import property', (dialect) => {
  it('imports or reports every line of any upload (stray quotes, long lines, mixed line ends), and never answers 5xx', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.admin('PUT', '/prices/geographic', { body: { setup_cost: 2, monthly_cost: 6 } });
    const runs = Number(process.env.BILBY_IMPORT_RUNS ?? 30);
    const seed = Number(process.env.BILBY_TEST_SEED ?? Date.now() % 2 ** 31);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(upload, async (input) => {
        // Every run has numbers of its own, so what is in stock is what this run imported.
        const { text, rows } = render(input, ++run * 100);
        const res = await ctx.admin('POST', '/inventory/import', { body: chunked(text, input.chunkSizes), headers: { 'content-type': 'text/csv' } });
        const numbers = rows.map((row) => row.didNumber);
        if (input.headerQuote !== null) {
          // A lone quote in the header always breaks it: the import is refused whole.
          assert.deepEqual([res.status, res.body.code], [400, 'invalid_csv'], JSON.stringify(res.body));
          assert.match(res.body.detail, /^The first line, which names the columns, is not valid CSV/);
          assert.equal((await stock(ctx, numbers)).size, 0);
          return;
        }
        assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
        const report = res.body;
        const records = rows.filter((row) => row.text.trim() !== '');
        assert.equal(report.rows, records.length, 'blank lines are not rows; every other line is one');
        assert.equal(report.added + report.skipped + report.rejected, report.rows);
        assert.equal(report.skipped, 0);
        assert.equal(report.rejections.length, report.rejected);
        const rejected = new Map<number, string>(report.rejections.map((r: { line: number; reason: string }) => [r.line, r.reason]));
        const stocked = await stock(ctx, numbers);
        assert.equal(stocked.size, report.added);
        for (const row of rows) {
          const reason = rejected.get(row.lineNumber);
          const where = `line ${row.lineNumber} ${JSON.stringify(row.text.slice(0, 80))}: ${reason ?? 'imported'}`;
          if (row.text.trim() === '') {
            assert.equal(reason, undefined, where);
            continue;
          }
          assert.notEqual(reason !== undefined, stocked.has(row.didNumber), `imported or rejected, exactly one: ${where}`);
          if (row.damaged) {
            if (row.text.split('"').length === 2) assert.ok(reason, `a lone quote makes its line unreadable: ${where}`);
          } else if (row.line.kind === 'good') {
            assert.equal(reason, undefined, where);
            assert.equal(stocked.get(row.didNumber), row.line.city.trim() || null, where);
          } else if (row.line.kind === 'bad') {
            assert.match(reason ?? '', /is not a valid Australian or New Zealand number/, where);
          } else if (row.line.kind === 'long') {
            const pattern = row.line.bytes > MAX_LINE_BYTES ? /^the line is longer than 64 KiB/ : /^city is longer than 100 characters$/;
            assert.match(reason ?? '', pattern, where);
          }
        }
      }),
      { numRuns: runs, seed },
    );
  });
});
