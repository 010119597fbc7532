import { Type, type TSchema } from 'typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Dollars on the wire, at most two decimals. */
export const Dollars = Type.Number({ description: 'Amount in AUD dollars, at most two decimals' });

export const AvailableNumber = Type.Object(
  {
    did_number: Type.String({ description: 'E.164 digits without +', examples: ['61291234567'] }),
    number_type: Type.String({ enum: ['geographic', 'mobile', 'tollfree', 'local_rate'] }),
    country: Type.String({ enum: ['AU', 'NZ'] }),
    state: Nullable(Type.String()),
    city: Nullable(Type.String()),
    area_code: Nullable(Type.String()),
    setup_cost: Dollars,
    monthly_cost: Dollars,
  },
  { $id: 'AvailableNumber' },
);

export const FieldError = Type.Object({ field: Type.String(), message: Type.String() });

export const ErrorBody = Type.Object(
  {
    detail: Type.String({ description: 'A sentence for people' }),
    code: Type.String({ description: 'Stable snake_case code for programs' }),
    request_id: Type.String(),
    errors: Type.Optional(Type.Array(FieldError)),
    alternatives: Type.Optional(Type.Array(Type.Ref('AvailableNumber'))),
    order_id: Type.Optional(Type.String()),
    retryable: Type.Optional(Type.Boolean()),
  },
  { $id: 'ErrorBody' },
);

/** An error answer in the contract's format; the description says when a route gives it. */
export const errorAnswer = (description: string) => Type.Ref('ErrorBody', { description });

export const ErrorResponses = {
  '4xx': errorAnswer('The request was refused: `code` says why (see the contract for each route)'),
  '5xx': errorAnswer('The server or the carrier failed: `code` says which'),
};

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Rows per page (max 1000)' })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor of the previous page' })),
};

export const NextCursor = Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last' }));

export const Message = Type.Object({ message: Type.String() });

// Path ids have no length limit: one too long to exist is answered as any other unknown or
// malformed id (a 404, or invalid_number for a number), not as a validation error.
export const DidNumberParam = Type.Object({ did_number: Type.String() });
export const IdParam = Type.Object({ id: Type.String() });
