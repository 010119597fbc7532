import type { ServiceDeps } from '../../services/deps.js';
import { marginReport } from '../../services/margin-report.js';
import { billingReport } from '../../services/billing-report.js';
import { presentBillingReport, presentMarginReport } from '../admin-presenters.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import { BillingQuery, BillingReport, MarginQuery, MarginReport } from '../schemas/report-schemas.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Operator'];

/** The operator's reports. */
export function registerAdminReportRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.get(
    '/reports/margins',
    {
      schema: {
        operationId: 'getMarginReport',
        summary: 'Revenue, upstream cost and margin per month and number type, from completed purchases',
        description:
          "Each sale counts in the month (UTC) its purchase completed: its revenue is what the buyer was charged (setup and first " +
          "month), its upstream cost what the upstream charged for the number as recorded when the order was placed, so " +
          'repricing a number later never changes a past month. At most 120 months.',
        tags,
        querystring: MarginQuery,
        response: { 200: MarginReport, ...ErrorResponses },
      },
    },
    async (request) => presentMarginReport(await marginReport(deps, request.query)),
  );

  app.get(
    '/reports/billing',
    {
      schema: {
        operationId: 'getBillingReport',
        summary: 'Revenue per month and number type, numbers by status, renewals due in the next 30 days and the accounts that cannot pay them',
        description:
          "Revenue is what the ledger posted for purchases and renewals, net of refunds, GST included and shown, per month (UTC) and " +
          "number type (at most 120 months). Renewals are the periods due from today (in the billing time zone) to 29 days on, and " +
          "those overdue, each at the price the billing run would charge now. Shortfalls: accounts whose available balance is below " +
          'what those renewals cost.',
        tags,
        querystring: BillingQuery,
        response: { 200: BillingReport, ...ErrorResponses },
      },
    },
    async (request) => presentBillingReport(await billingReport(deps, request.query)),
  );
}
