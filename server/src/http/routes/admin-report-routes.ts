import type { ServiceDeps } from '../../services/deps.js';
import { marginReport } from '../../services/margin-report.js';
import { presentMarginReport } from '../admin-presenters.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import { MarginQuery, MarginReport } from '../schemas/report-schemas.js';
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
}
