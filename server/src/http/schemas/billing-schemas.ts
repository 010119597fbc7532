import { Type } from 'typebox';
import { Dollars, Nullable, StringEnum } from './common-schemas.js';

export const BillingRunBody = Type.Object(
  {
    as_of: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'Bill as a run at this instant would (a sandbox moving time forward, or catching up): every period begun by then is charged. Default: now',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BillingRun = Type.Object(
  {
    id: Type.String(),
    status: StringEnum(['running', 'completed', 'failed', 'interrupted'] as const, {
      description:
        '`interrupted`: it stopped part way (the server shut down or died, or another process took its lease); what it charged stands and the next run charges the rest',
    }),
    started_by: StringEnum(['operator', 'schedule'] as const, { description: 'The operator (POST /billing/runs) or BILBY_BILLING_INTERVAL' }),
    as_of: Type.String({ description: 'The calendar date (billing time zone) the run charges up to' }),
    tenures_total: Nullable(Type.Integer({ description: 'Tenures due when the run began; null until counted' })),
    tenures_done: Type.Integer({ description: 'Tenures read so far (one partly paid may be read again): with tenures_total, the progress' }),
    renewed: Type.Integer({ description: 'Rental periods charged so far' }),
    charged: Dollars,
    suspended: Type.Integer({ description: "Numbers this run suspended: their owner's balance did not cover the renewal" }),
    reactivated: Type.Integer({ description: 'Suspended numbers this run found paid up again' }),
    still_suspended: Type.Integer({ description: 'Numbers left suspended after the run' }),
    released: Type.Integer({ description: 'Numbers released for staying unpaid longer than BILBY_SUSPEND_DAYS (counted once the charges are done)' }),
    released_at_period_end: Type.Integer({ description: 'Numbers released at the end of their paid period, as their owners asked' }),
    error: Nullable(Type.String({ description: 'Why a failed or interrupted run stopped; what it did before stays done' })),
    started_at: Type.String(),
    updated_at: Type.String(),
    finished_at: Nullable(Type.String()),
  },
  { $id: 'BillingRun' },
);
export const BillingRunList = Type.Object({ results: Type.Array(Type.Ref('BillingRun')) });
// No length limit: a malformed id is answered as an unknown one (404), as every id in a path is.
export const BillingRunIdParam = Type.Object({ run_id: Type.String() });
export const BillingRunListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) });
