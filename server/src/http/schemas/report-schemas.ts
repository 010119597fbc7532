import { Type } from 'typebox';
import { Nullable, NumberTypeRef } from './common-schemas.js';

const Month = (description: string) => Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description, examples: ['2026-03'] });

export const MarginQuery = Type.Object({
  from: Type.Optional(Month('The first month (UTC), counted. Default: eleven months before `to`')),
  to: Type.Optional(Month('The last month (UTC), counted. Default: this month')),
});

const MarginFields = {
  sales: Type.Integer({ description: 'Purchases completed' }),
  revenue: Type.Number({ description: 'Dollars the buyers were charged: setup and first month' }),
  upstream_cost: Type.Number({ description: 'Dollars the upstream charged for those numbers, as recorded when each order was placed' }),
  margin: Type.Number({ description: 'Dollars: revenue − upstream_cost' }),
  sales_without_upstream_cost: Type.Integer({ description: 'Sales with no upstream cost recorded (own ranges, or sold before costs were kept): counted at no cost' }),
};

export const MarginReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  results: Type.Array(Type.Object({ month: Type.String(), number_type: NumberTypeRef(), ...MarginFields }), {
    description: 'Months and number types with sales, in order',
  }),
  totals: Type.Object(MarginFields),
});

export const BillingQuery = Type.Object({
  from: Type.Optional(Month('The first month (UTC) of the revenue, counted. Default: eleven months before `to`')),
  to: Type.Optional(Month('The last month (UTC) of the revenue, counted. Default: this month')),
});

const RevenueFields = {
  purchases: Type.Number({ description: 'Dollars charged for purchases (setup and first month)' }),
  rentals: Type.Number({ description: 'Dollars charged for renewals' }),
  refunds: Type.Number({ description: 'Dollars refunded, as a negative amount' }),
  revenue: Type.Number({ description: 'Dollars: purchases + rentals + refunds, GST included' }),
  gst: Type.Number({ description: 'Dollars of GST the revenue includes' }),
};

const RenewalFields = {
  renewals: Type.Integer({ description: 'Periods due' }),
  amount: Type.Number({ description: "Dollars, each at the price the billing run would charge now: the number's own, its owner's plan's, or the default" }),
};

const CalendarDate = (description: string) => Type.String({ description, examples: ['2026-03-31'] });

export const BillingReport = Type.Object({
  as_of: CalendarDate('Today in the billing time zone (BILBY_BILLING_TIME_ZONE)'),
  revenue: Type.Object({
    from: Type.String(),
    to: Type.String(),
    results: Type.Array(Type.Object({ month: Type.String(), number_type: Nullable(NumberTypeRef()), ...RevenueFields }), {
      description: 'Months and number types with charges or refunds, in order (number_type null: an order naming no number held)',
    }),
    totals: Type.Object(RevenueFields),
  }),
  numbers: Type.Object(
    {
      available: Type.Integer(),
      reserved: Type.Integer(),
      active: Type.Integer({ description: 'Held by an account, paid up' }),
      suspended: Type.Integer({ description: 'Held by an account, a renewal unpaid' }),
      quarantine: Type.Integer(),
      withdrawn: Type.Integer(),
      total: Type.Integer(),
    },
    { description: 'Every number of the inventory by status' },
  ),
  renewals: Type.Object({
    from: CalendarDate('Today'),
    to: CalendarDate('The last day counted: 29 days after today'),
    overdue: Type.Object(RenewalFields, { description: 'Periods due before today and not yet paid' }),
    days: Type.Array(Type.Object({ date: Type.String(), ...RenewalFields }), { description: 'Days with renewals due, in order' }),
    totals: Type.Object(RenewalFields, { description: 'Overdue and every day counted' }),
  }),
  shortfalls: Type.Array(
    Type.Object({
      account_id: Type.String(),
      account_code: Type.String(),
      name: Type.String(),
      available_balance: Type.Number({ description: 'Dollars: balance less funds held by purchases in flight' }),
      renewals: Type.Integer({ description: 'Periods due, overdue ones included' }),
      due: Type.Number({ description: 'Dollars those periods cost' }),
      shortfall: Type.Number({ description: 'Dollars: due − available_balance' }),
    }),
    { description: 'Accounts whose available balance will not cover their renewals due to `renewals.to`, largest shortfall first' },
  ),
});
