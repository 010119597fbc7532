import type { ServiceDeps } from '../../services/deps.js';
import { operatorInvoice, operatorInvoices } from '../../services/invoice-queries.js';
import { listBody, pageRequest } from '../cursor.js';
import { presentAdminInvoice, presentAdminInvoiceSummary } from '../invoice-presenters.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import { AdminInvoiceList, AdminInvoiceQuery, InvoiceIdParam, PdfAnswer } from '../schemas/invoice-schemas.js';
import type { TypedApp } from '../typed-app.js';
import { sendInvoicePdf } from './invoice-routes.js';

const tags = ['Operator'];

/** Every account's tax invoices. */
export function registerAdminInvoiceRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/invoices',
    {
      schema: {
        operationId: 'listAdminInvoices',
        summary: "Every account's tax invoices, newest first; by account or month",
        tags,
        querystring: AdminInvoiceQuery,
        response: { 200: AdminInvoiceList, ...ErrorResponses },
      },
    },
    async (request) => {
      const { account_id: accountId, month } = request.query;
      const filter = { ...(accountId !== undefined ? { accountId } : {}), ...(month !== undefined ? { month } : {}) };
      return listBody(await operatorInvoices(deps, filter, pageRequest(request.query)), presentAdminInvoiceSummary);
    },
  );

  app.get(
    '/invoices/:id',
    {
      schema: {
        operationId: 'getAdminInvoice',
        summary: 'Any account’s tax invoice with its items and statement',
        tags,
        params: InvoiceIdParam,
        response: { 200: { $ref: 'AdminInvoice' }, ...ErrorResponses },
      },
    },
    async (request) => presentAdminInvoice(await operatorInvoice(deps, request.params.id)),
  );

  app.get(
    '/invoices/:id/pdf',
    {
      schema: {
        operationId: 'getAdminInvoicePdf',
        summary: 'Any account’s tax invoice as a PDF',
        tags,
        params: InvoiceIdParam,
        response: { 200: PdfAnswer, ...ErrorResponses },
      },
    },
    async (request, reply) => sendInvoicePdf(reply, await operatorInvoice(deps, request.params.id)),
  );
}
