import { Type } from 'typebox';
import { NumberTypeRef } from './common-schemas.js';

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
