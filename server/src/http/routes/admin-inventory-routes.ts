import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { AppError } from '../../domain/errors.js';
import { operatorSource } from '../../domain/number-event.js';
import type { ServiceDeps } from '../../services/deps.js';
import { importNumbers } from '../../services/import-numbers.js';
import { MAX_LINE_BYTES } from '../../services/inventory-csv.js';
import { changeStock, stockCounts } from '../../services/inventory-stock.js';
import { numberHistory } from '../../services/number-history.js';
import { inventoryNumber, setOwnNumberPrice, setTypePrice, typePrices } from '../../services/number-prices.js';
import { presentAdminNumberEvent, presentInventoryNumber, presentTypePrice } from '../admin-presenters.js';
import { listBody, pageRequest } from '../cursor.js';
import { centsOf } from '../money-input.js';
import {
  ImportReport,
  NumberTypeParam,
  PriceBody,
  SetTypePriceResponse,
  StockBody,
  StockChangeResponse,
  StockCounts,
  TypePriceList,
} from '../schemas/admin-schemas.js';
import { DidNumberParam, ErrorResponses } from '../schemas/common-schemas.js';
import { AdminNumberHistory, HistoryQuery } from '../schemas/history-schemas.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Operator'];
const NumberRef = Type.Ref('InventoryNumber');
/** An import is a stream, so its size is bounded only to keep one request from filling the disk. */
const IMPORT_BODY_LIMIT = 4 * 1024 * 1024 * 1024;

/** Prices, stock and bulk import, as the operator manages them. */
export function registerAdminInventoryRoutes(app: TypedApp, deps: ServiceDeps): void {
  // The CSV reaches the handler as the request stream itself: it is never held in memory whole.
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

  app.get(
    '/prices',
    { schema: { operationId: 'listPrices', summary: 'Prices per number type', tags, response: { 200: TypePriceList, ...ErrorResponses } } },
    async () => ({ results: (await typePrices(deps)).map(presentTypePrice) }),
  );

  app.put(
    '/prices/:number_type',
    {
      schema: {
        operationId: 'setTypePrice',
        summary: "Set a number type's price; unsold numbers without their own price follow it at once",
        tags,
        params: NumberTypeParam,
        body: PriceBody,
        response: { 200: SetTypePriceResponse, ...ErrorResponses },
      },
    },
    async (request) => {
      const { price, repriced } = await setTypePrice(deps, request.params.number_type, priceOf(request.body));
      return { price: presentTypePrice(price), numbers_repriced: repriced };
    },
  );

  app.get(
    '/numbers/:did_number',
    {
      schema: {
        operationId: 'getInventoryNumber',
        summary: 'One number of the inventory, whoever holds it',
        tags,
        params: DidNumberParam,
        response: { 200: NumberRef, ...ErrorResponses },
      },
    },
    async (request) => presentInventoryNumber(await inventoryNumber(deps, request.params.did_number)),
  );

  app.get(
    '/numbers/:did_number/history',
    {
      schema: {
        operationId: 'getInventoryNumberHistory',
        summary: "A number's whole history, every owner's, newest first",
        tags,
        params: DidNumberParam,
        querystring: HistoryQuery,
        response: { 200: AdminNumberHistory, ...ErrorResponses },
      },
    },
    async (request) => listBody(await numberHistory(deps, request.params.did_number, pageRequest(request.query)), presentAdminNumberEvent),
  );

  app.put(
    '/numbers/:did_number/price',
    {
      schema: {
        operationId: 'setNumberPrice',
        summary: 'Give one number its own price',
        tags,
        params: DidNumberParam,
        body: PriceBody,
        response: { 200: NumberRef, ...ErrorResponses },
      },
    },
    async (request) => presentInventoryNumber(await setOwnNumberPrice(deps, request.params.did_number, priceOf(request.body), operatorSource(request.id))),
  );

  app.delete(
    '/numbers/:did_number/price',
    {
      schema: {
        operationId: 'clearNumberPrice',
        summary: "Drop a number's own price: it follows its type's price again",
        tags,
        params: DidNumberParam,
        response: { 200: NumberRef, ...ErrorResponses },
      },
    },
    async (request) => presentInventoryNumber(await setOwnNumberPrice(deps, request.params.did_number, null, operatorSource(request.id))),
  );

  app.get(
    '/inventory/counts',
    {
      schema: {
        operationId: 'getStockCounts',
        summary: 'How many numbers are in each status, overall and per type',
        tags,
        response: { 200: StockCounts, ...ErrorResponses },
      },
    },
    async () => stockCounts(deps),
  );

  for (const action of ['withdraw', 'reinstate'] as const) {
    app.post(
      `/inventory/${action}`,
      {
        schema: {
          operationId: `${action}Numbers`,
          summary:
            action === 'withdraw'
              ? 'Take numbers off sale (available or quarantined → withdrawn); numbers accounts hold are refused'
              : 'Put withdrawn numbers back on sale',
          tags,
          body: StockBody,
          response: { 200: StockChangeResponse, ...ErrorResponses },
        },
      },
      async (request) => changeStock(deps, request.body.did_numbers, action),
    );
  }

  app.post(
    '/inventory/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        operationId: 'importNumbers',
        summary: 'Import numbers from a CSV stream (text/csv)',
        description:
          'Columns: did_number (required), number_type, state, city, setup_cost, monthly_cost, carrier. Type, state and area code ' +
          'come from the number when missing; a row without prices takes its type\'s price; a row without a carrier is the ' +
          "configured carrier's (simulated, Bilby's own, or crazytel, the upstream), and another name is rejected. Numbers already in stock are " +
          'skipped, bad rows are reported by line and never stop the others, so importing the same file twice adds nothing. ' +
          'Each line is one row (lines end in LF, CRLF or CR; a quoted field cannot hold a line break): a line longer ' +
          `than ${MAX_LINE_BYTES / 1024} KiB, or one that is not CSV, such as a quote not closed on its line, is rejected ` +
          'by its line number and the next line is read as usual.',
        tags,
        consumes: ['text/csv'],
        response: { 200: ImportReport, ...ErrorResponses },
      },
    },
    async (request) => {
      const body = request.body as Readable | undefined;
      if (typeof body?.pipe !== 'function') {
        throw new AppError('unsupported_media_type', 'An import is a CSV: send it as text/csv');
      }
      let logged = 0;
      return importNumbers(deps, body, (report) => {
        if (report.rows - logged < 100_000) return;
        logged = report.rows;
        request.log.info({ rows: report.rows, added: report.added }, 'import progress');
      });
    },
  );
}

function priceOf(body: { setup_cost: number; monthly_cost: number }) {
  return { setupCents: centsOf('setup_cost', body.setup_cost), monthlyCents: centsOf('monthly_cost', body.monthly_cost) };
}
