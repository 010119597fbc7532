import { Type } from 'typebox';
import { ORDER_STATUSES } from '../../domain/order.js';
import { Dollars, NextCursor, Nullable, PageQuery, StringEnum } from './common-schemas.js';

export const PurchaseBody = Type.Object(
  {
    did_number: Type.String({ maxLength: 64, examples: ['61400000000'] }),
    address_id: Type.String({ maxLength: 64, description: 'An id from GET /phone-numbers/addresses/' }),
    person_id: Type.String({ maxLength: 64, description: 'An id from GET /phone-numbers/owners/' }),
    primary_route: Type.String({ maxLength: 32, examples: ['device'] }),
    primary_destination: Type.Optional(Nullable(Type.String({ maxLength: 255, examples: ['1000000'] }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  },
  { additionalProperties: false },
);

// Read as text, not coerced to a boolean: Ajv takes only true and false, and clients also send 1 and 0.
export const DRY_RUN_VALUES = ['true', 'false', '1', '0'] as const;
export const PurchaseQuery = Type.Object({
  dry_run: Type.Optional(
    Type.String({
      enum: [...DRY_RUN_VALUES],
      description: 'true or 1: run every check and return the quote without buying; false or 0 (or none): buy',
    }),
  ),
});

export function isDryRun(query: { dry_run?: string }): boolean {
  return query.dry_run === 'true' || query.dry_run === '1';
}

export const PurchaseSuccess = Type.Object({
  message: Type.String({ examples: ['DID number successfully purchased'] }),
  order_id: Type.String(),
  did_number: Type.String(),
  charged: Dollars,
  balance: Dollars,
  status: Type.String({ enum: ['completed'] }),
});

export const PurchaseQuote = Type.Object({
  message: Type.String(),
  did_number: Type.String(),
  charged: Dollars,
  balance: Dollars,
  balance_after: Dollars,
});

export const Order = Type.Object(
  {
    order_id: Type.String(),
    did_number: Type.String(),
    status: StringEnum(ORDER_STATUSES),
    amount: Dollars,
    failure_code: Nullable(Type.String()),
    created_at: Type.String(),
    completed_at: Nullable(Type.String()),
  },
  { $id: 'Order' },
);

export const OrderList = Type.Object({ results: Type.Array(Type.Ref('Order')), next_cursor: NextCursor });
export const OrderParam = Type.Object({ order_id: Type.String() });
export const ListQuery = Type.Object({ ...PageQuery });
