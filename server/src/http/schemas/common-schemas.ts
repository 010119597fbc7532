import { Type, type TSchema, type TSchemaOptions } from 'typebox';
import { PERSON_TYPES, type PersonType } from '../../domain/ipnd-record.js';
import { COUNTRIES, NUMBER_TYPES, STATES, type Country, type NumberType, type State } from '../../domain/phone-number.js';
import { ROUNDING_RULES, type RoundingRule } from '../../domain/pricing-rule.js';
import { ROUTE_TYPES, type RouteType } from '../../domain/routing.js';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * The API's closed sets of values, each a named schema of the OpenAPI document, which the SDK
 * exports as constants (and the CLI offers): they are written once, here or in the domain.
 */
export const ValueSets = [
  Type.String({ $id: 'NumberType', enum: [...NUMBER_TYPES] }),
  Type.String({ $id: 'State', enum: [...STATES], description: 'An Australian state or territory' }),
  Type.String({ $id: 'Country', enum: [...COUNTRIES] }),
  Type.String({ $id: 'RouteType', enum: [...ROUTE_TYPES], description: "Where a number's calls go; congestion takes no destination" }),
  Type.String({
    $id: 'PersonType',
    enum: [...PERSON_TYPES],
    description: 'R residential, B business, G government, C charity, N not for profit',
  }),
  Type.String({
    $id: 'RoundingRule',
    enum: [...ROUNDING_RULES],
    description:
      "How a pricing rule's prices are rounded, always up: to the next 5 cents, the next .95, the next whole dollar; $0 stays $0",
  }),
];

const valueSet = <T>(id: string) => (options?: TSchemaOptions) => Type.Unsafe<T>(Type.Ref(id, options));
export const NumberTypeRef = valueSet<NumberType>('NumberType');
export const StateRef = valueSet<State>('State');
export const CountryRef = valueSet<Country>('Country');
export const RouteTypeRef = valueSet<RouteType>('RouteType');
export const PersonTypeRef = valueSet<PersonType>('PersonType');
export const RoundingRuleRef = valueSet<RoundingRule>('RoundingRule');

/** A closed set of the domain's written in place (not a named schema), typed as its union. */
export const StringEnum = <T extends string>(values: readonly T[], options?: TSchemaOptions) =>
  Type.Unsafe<T>(Type.String({ enum: [...values], ...options }));

/** Dollars on the wire, at most two decimals. */
export const Dollars = Type.Number({ description: 'Amount in AUD dollars, at most two decimals' });

export const AvailableNumber = Type.Object(
  {
    did_number: Type.String({ description: 'E.164 digits without +', examples: ['61291234567'] }),
    number_type: NumberTypeRef(),
    country: CountryRef(),
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
    restore_id: Type.Optional(Type.String({ description: '[Bilby] The pending restore an upstream_pending answer is about' })),
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
