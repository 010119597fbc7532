import type { FastifyReply } from 'fastify';
import type { ServiceDeps } from '../../services/deps.js';
import { invoiceOf, invoicesOf, type IssuedInvoice } from '../../services/invoice-queries.js';
import { callerOf } from '../auth.js';
import { listBody, pageRequest } from '../cursor.js';
import { renderInvoicePdf } from '../invoice-pdf.js';
import { presentInvoice, presentInvoiceSummary } from '../invoice-presenters.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import { InvoiceIdParam, InvoiceList, PdfAnswer } from '../schemas/invoice-schemas.js';
import { ListQuery } from '../schemas/purchase-schemas.js';
import type { TypedApp } from '../typed-app.js';

/** The account's monthly tax invoices and statements. */
export function registerInvoiceRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/account/invoices',
    {
      schema: {
        operationId: 'listInvoices',
        summary: "The account's monthly tax invoices, newest first [Bilby]",
        description:
          'One per calendar month (in the billing time zone) with charges, issued once the month has ended and never changed after.',
        tags: ['Bilby'],
        querystring: ListQuery,
        response: { 200: InvoiceList, ...ErrorResponses },
      },
    },
    async (request) => listBody(await invoicesOf(deps, callerOf(request).accountId, pageRequest(request.query)), presentInvoiceSummary),
  );

  app.get(
    '/account/invoices/:id',
    {
      schema: {
        operationId: 'getInvoice',
        summary: 'A tax invoice with its items and the month’s statement [Bilby]',
        description: '404 `invoice_not_found` for an invoice that does not exist or is another account’s.',
        tags: ['Bilby'],
        params: InvoiceIdParam,
        response: { 200: { $ref: 'Invoice' }, ...ErrorResponses },
      },
    },
    async (request) => presentInvoice(await invoiceOf(deps, callerOf(request).accountId, request.params.id)),
  );

  app.get(
    '/account/invoices/:id/pdf',
    {
      schema: {
        operationId: 'getInvoicePdf',
        summary: 'A tax invoice as a PDF [Bilby]',
        tags: ['Bilby'],
        params: InvoiceIdParam,
        response: { 200: PdfAnswer, ...ErrorResponses },
      },
    },
    async (request, reply) => sendInvoicePdf(reply, await invoiceOf(deps, callerOf(request).accountId, request.params.id)),
  );
}

export async function sendInvoicePdf(reply: FastifyReply, issued: IssuedInvoice): Promise<FastifyReply> {
  const pdf = await renderInvoicePdf(issued);
  return reply
    .type('application/pdf')
    .header('content-disposition', `attachment; filename="invoice-${issued.invoice.number}.pdf"`)
    .send(pdf);
}
