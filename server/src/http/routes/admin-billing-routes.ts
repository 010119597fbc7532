import { Type } from 'typebox';
import { AppError } from '../../domain/errors.js';
import { billingRun, latestBillingRuns } from '../../services/billing-run-queries.js';
import { startBillingRun } from '../../services/billing-runs.js';
import type { ServiceDeps } from '../../services/deps.js';
import { presentBillingRun } from '../admin-presenters.js';
import { idempotencyClaimOf } from '../idempotency.js';
import { BillingRunBody, BillingRunIdParam, BillingRunList, BillingRunListQuery } from '../schemas/billing-schemas.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Operator'];
const RunRef = Type.Ref('BillingRun');

/** Billing: a run now (or as of another instant), beside the scheduled ones, and the runs as they go. */
export function registerAdminBillingRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.post(
    '/billing/runs',
    {
      schema: {
        operationId: 'runBilling',
        summary: 'Start a billing run: charge every rental period due now (or as of `as_of`), suspend what cannot be paid, release what stayed unpaid',
        description:
          'Answers 202 with the run at once; it goes on in the background: follow it at /billing/runs/{run_id} until its status ' +
          'is no longer `running`. Each period is charged once, whoever runs it and however often. One run at a time across ' +
          'every process: another asked meanwhile is refused with 409 `billing_running`. A retry with the same Idempotency-Key ' +
          'answers the same run, also after a crash.',
        tags,
        body: BillingRunBody,
        response: { 202: RunRef, ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const asOf = request.body.as_of === undefined ? undefined : new Date(request.body.as_of);
      if (asOf && Number.isNaN(asOf.getTime())) throw new AppError('invalid_request', 'as_of must be an instant such as 2027-01-31T00:00:00Z');
      const { run } = await startBillingRun(deps, { ...(asOf ? { asOf } : {}), startedBy: 'operator', claim: idempotencyClaimOf(request) });
      return reply.code(202).send(presentBillingRun(run));
    },
  );

  app.get(
    '/billing/runs',
    {
      schema: {
        operationId: 'listBillingRuns',
        summary: "The latest billing runs, newest first, running or finished (the operator's and the schedule's)",
        tags,
        querystring: BillingRunListQuery,
        response: { 200: BillingRunList, ...ErrorResponses },
      },
    },
    async (request) => ({ results: (await latestBillingRuns(deps, request.query.limit ?? 20)).map(presentBillingRun) }),
  );

  app.get(
    '/billing/runs/:run_id',
    {
      schema: {
        operationId: 'getBillingRun',
        summary: 'One billing run: its progress while it runs, its report once finished',
        tags,
        params: BillingRunIdParam,
        response: { 200: RunRef, ...ErrorResponses },
      },
    },
    async (request) => presentBillingRun(await billingRun(deps, request.params.run_id)),
  );
}
