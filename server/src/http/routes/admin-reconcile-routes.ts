import { Type } from 'typebox';
import type { ServiceDeps } from '../../services/deps.js';
import { lastReconcileReport, reconcileUpstream } from '../../services/reconcile-upstream.js';
import { ErrorResponses } from '../schemas/common-schemas.js';
import type { TypedApp } from '../typed-app.js';

const tags = ['Operator'];
const ReportRef = Type.Ref('ReconcileReport');

/** Reconciliation: what the carrier holds against what customers hold, run now or read from the last run. */
export function registerAdminReconcileRoutes(app: TypedApp, deps: ServiceDeps): void {
  app.post(
    '/reconcile',
    {
      schema: {
        operationId: 'reconcile',
        summary: 'Compare what the carrier holds with what customers hold, now, and keep the report',
        description:
          'Reads the carrier and changes nothing there or here. One reconciliation runs at a time across every process: ' +
          'another asked meanwhile is refused with 409 `reconcile_running` (GET answers the last report). 500 ' +
          '`upstream_error` when the carrier could not be read.',
        tags,
        response: { 200: ReportRef, ...ErrorResponses },
      },
    },
    async () => reconcileUpstream(deps),
  );

  app.get(
    '/reconcile',
    {
      schema: {
        operationId: 'getReconcileReport',
        summary: "The last reconciliation's report (404 `not_found` before the first)",
        tags,
        response: { 200: ReportRef, ...ErrorResponses },
      },
    },
    async () => lastReconcileReport(deps),
  );
}
