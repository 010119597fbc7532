import { Type } from 'typebox';
import { Dollars } from './common-schemas.js';

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
    as_of: Type.String({ description: 'The calendar date (billing time zone) the run charged up to' }),
    renewed: Type.Integer({ description: 'Rental periods charged' }),
    charged: Dollars,
    suspended: Type.Integer({ description: "Numbers this run suspended: their owner's balance did not cover the renewal" }),
    reactivated: Type.Integer({ description: 'Suspended numbers this run found paid up again' }),
    still_suspended: Type.Integer({ description: 'Numbers left suspended after the run' }),
    released: Type.Integer({ description: 'Numbers released for staying unpaid longer than BILBY_SUSPEND_DAYS' }),
    released_at_period_end: Type.Integer({ description: 'Numbers released at the end of their paid period, as their owners asked' }),
  },
  { $id: 'BillingRun' },
);
