import { Type } from 'typebox';
import { MAX_BULK_NUMBERS } from '../../services/bulk-order.js';
import { Dollars, Nullable, NumberTypeRef, StringEnum } from './common-schemas.js';

const Criteria = Type.Object(
  {
    quantity: Type.Integer({ minimum: 1, maximum: MAX_BULK_NUMBERS }),
    state: Type.Optional(Type.String({ maxLength: 8 })),
    city: Type.Optional(Type.String({ maxLength: 100 })),
    number_type: Type.Optional(NumberTypeRef()),
    contains: Type.Optional(Type.String({ maxLength: 20, description: 'Digits or keypad letters' })),
    consecutive: Type.Optional(Type.Boolean({ description: 'A block of consecutive numbers' })),
  },
  { additionalProperties: false },
);

export const BulkOrderBody = Type.Object(
  {
    did_numbers: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_BULK_NUMBERS })),
    criteria: Type.Optional(Criteria),
    all_or_nothing: Type.Optional(Type.Boolean({ default: true, description: 'Every number or none (the default); false: those that can be had' })),
    address_id: Type.String({ maxLength: 64 }),
    person_id: Type.String({ maxLength: 64 }),
    primary_route: Type.String({ maxLength: 32 }),
    primary_destination: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  },
  { additionalProperties: false, description: 'did_numbers or criteria; every number is routed and registered alike' },
);

export const BulkOrder = Type.Object(
  {
    id: Type.String({ description: 'The bulk order’s id (`blk_…`)' }),
    status: StringEnum(['completed', 'partial', 'pending', 'failed'] as const, {
      description: 'completed: every line bought; pending: some still wait for the carrier; partial: some bought, some not; failed: none bought',
    }),
    all_or_nothing: Type.Boolean(),
    criteria: Nullable(Type.Record(Type.String(), Type.Unknown())),
    charged: Dollars,
    created_at: Type.String(),
    lines: Type.Array(
      Type.Object({
        did_number: Type.String(),
        outcome: StringEnum(['purchased', 'pending', 'failed', 'refused'] as const, { description: 'refused: not reserved (see reason); failed: the carrier refused it, refunded' }),
        reason: Nullable(Type.String({ description: 'number_unavailable, insufficient_funds or the carrier failure’s code' })),
        order_id: Nullable(Type.String()),
        charged: Dollars,
      }),
    ),
  },
  { $id: 'BulkOrder' },
);

export const BulkOrderIdParam = Type.Object({ bulk_order_id: Type.String() });
