import { Type } from 'typebox';
import { centsToDollars } from '../../domain/money.js';
import { AppError } from '../../domain/errors.js';
import { runBillingExclusively } from '../../services/billing-runs.js';
import type { ServiceDeps } from '../../services/deps.js';
import type { BillingReport } from '../../services/run-billing.js';
import { BillingRunBody } from '../schemas/billing-schemas.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import type { TypedApp } from '../typed-app.js';

/** Billing: a run now (or as of another instant), beside the scheduled ones. */
export function registerAdminBillingRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.post(
    '/billing/runs',
    {
      schema: {
        operationId: 'runBilling',
        summary: 'Charge every rental period due now (or as of `as_of`), suspend what cannot be paid, release what stayed unpaid',
        description:
          'Each period is charged once, whoever runs it and however often. One run at a time across every process: another asked ' +
          'meanwhile is refused with 409 `billing_running`.',
        tags: ['Operator'],
        body: BillingRunBody,
        response: { 200: Type.Ref('BillingRun'), ...ErrorResponses },
      },
    },
    async (request) => {
      const asOf = request.body.as_of === undefined ? undefined : new Date(request.body.as_of);
      if (asOf && Number.isNaN(asOf.getTime())) throw new AppError('invalid_request', 'as_of must be an instant such as 2027-01-31T00:00:00Z');
      return presentBillingRun(await runBillingExclusively(deps, asOf ? { asOf } : {}));
    },
  );
}

function presentBillingRun(report: BillingReport) {
  return {
    as_of: report.asOf,
    renewed: report.renewed,
    charged: centsToDollars(report.chargedCents),
    suspended: report.suspended,
    reactivated: report.reactivated,
    still_suspended: report.stillSuspended,
    released: report.released,
    released_at_period_end: report.releasedAtPeriodEnd,
  };
}
