import type { components, paths } from './openapi-types.js';

/** Named types for the SDK's callers, all derived from the generated OpenAPI types. */

type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
export type ResponseOf<P extends keyof paths, M extends Method, S extends number = 200> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? JsonOf<R[S]> : never) : never;
export type QueryOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
export type BodyOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export interface Page<T> {
  results: T[];
  /** Absent on servers that do not page (crazytel.io); null on the last page. */
  next_cursor?: string | null;
}

export type AvailableNumber = Schemas['AvailableNumber'];
export type OwnedNumber = Schemas['OwnedNumber'];
export type Address = Schemas['Address'];
export type Person = Schemas['Person'];
export type Order = Schemas['Order'];
export type Transaction = Schemas['Transaction'];
export type NumberEvent = Schemas['NumberEvent'];
export type AccountEvent = Schemas['AccountEvent'];
export type Destination = ResponseOf<'/api/v1/phone-numbers/destinations', 'get'>['results'][number];
export type Balance = ResponseOf<'/api/v1/balance', 'get'>;

export type AvailableNumberFilters = QueryOf<'/api/v1/phone-numbers/available-numbers', 'get'>;
export type OwnedNumberFilters = QueryOf<'/api/v1/phone-numbers', 'get'>;
export type ListOptions = { limit?: number; cursor?: string };
export type EventListOptions = ListOptions & { after?: string };
export interface EventFollowOptions {
  /** The cursor of the last event seen; from the oldest kept without it. */
  after?: string;
  /** How long to wait between polls that found nothing. @default 1000 */
  intervalMs?: number;
  signal?: AbortSignal;
}

export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type NewWebhookEndpoint = BodyOf<'/api/v1/webhooks', 'post'>;
/** A new endpoint, or one whose secret was rotated: `secret` is in this answer only. */
export type WebhookEndpointWithSecret = ResponseOf<'/api/v1/webhooks', 'post', 201>;
export type WebhookEndpointChanges = BodyOf<'/api/v1/webhooks/{webhook_id}', 'patch'>;
export type WebhookReplayRange = BodyOf<'/api/v1/webhooks/{webhook_id}/replay', 'post'>;
export type WebhookReplay = ResponseOf<'/api/v1/webhooks/{webhook_id}/replay', 'post', 202>;
export type WebhookAttempt = ResponseOf<'/api/v1/webhooks/{webhook_id}/attempts', 'get'>['results'][number];

export type BulkOrder = Schemas['BulkOrder'];
export type BulkOrderInput = BodyOf<'/api/v1/phone-numbers/orders', 'post'>;
export type RoutingTest = ResponseOf<'/api/v1/phone-numbers/{did_number}/test', 'post'>;
export type Reservation = Schemas['Reservation'];
export type ReservationResult = ResponseOf<'/api/v1/phone-numbers/reservations', 'post', 201>;

export type PurchaseInput = BodyOf<'/api/v1/phone-numbers/purchase', 'post'>;
export interface PurchaseResult {
  message: string;
  order_id?: string;
  did_number?: string;
  charged?: number;
  balance?: number;
  status?: string;
}
export interface PurchaseQuote {
  message: string;
  did_number: string;
  charged: number;
  balance: number;
  balance_after: number;
}
export type NumberUpdate = Omit<BodyOf<'/api/v1/phone-numbers', 'patch'>, 'did_number'>;
export type NewAddress = BodyOf<'/api/v1/account/address', 'post'>;
export type NewPerson = BodyOf<'/api/v1/account/person', 'post'>;
export type Released = ResponseOf<'/api/v1/phone-numbers', 'delete'>;
export type Restored = ResponseOf<'/api/v1/phone-numbers/{did_number}/restore', 'post'>;

export type Invoice = Schemas['Invoice'];
export type InvoiceSummary = Schemas['InvoiceSummary'];
export type AdminInvoice = Schemas['AdminInvoice'];
export type AdminInvoiceSummary = Schemas['AdminInvoiceSummary'];
export type AdminInvoiceFilters = QueryOf<'/admin/v1/invoices', 'get'>;

export type AdminAccount = Schemas['AdminAccount'];
export type ApiKeyInfo = Schemas['ApiKeyInfo'];
export type NewApiKey = ResponseOf<'/admin/v1/accounts/{account_id}/keys', 'post', 201>;
export type NewAccountInput = BodyOf<'/admin/v1/accounts', 'post'>;
export type NewAccountResult = ResponseOf<'/admin/v1/accounts', 'post', 201>;
export type AdminDestination = Schemas['AdminDestination'];
export type NewDestination = BodyOf<'/admin/v1/accounts/{account_id}/destinations', 'post'>;
export type DestinationChanges = BodyOf<'/admin/v1/accounts/{account_id}/destinations/{destination_id}', 'patch'>;
export type AccountUpstreamRoute = ResponseOf<'/admin/v1/accounts/{account_id}/upstream-route', 'get'>;
export type UpstreamRouteInput = BodyOf<'/admin/v1/accounts/{account_id}/upstream-route', 'put'>;
export type TypePrice = Schemas['TypePrice'];
export type PriceInput = BodyOf<'/admin/v1/prices/{number_type}', 'put'>;
export type SetTypePriceResult = ResponseOf<'/admin/v1/prices/{number_type}', 'put'>;
export type InventoryNumber = Schemas['InventoryNumber'];
export type AdminNumberEvent = Schemas['AdminNumberEvent'];
export type PricingRule = Schemas['PricingRule'];
export type PricingRuleInput = BodyOf<'/admin/v1/pricing-rules/{number_type}', 'put'>;
export type SetPricingRuleResult = ResponseOf<'/admin/v1/pricing-rules/{number_type}', 'put'>;
export type RoundingRule = Schemas['RoundingRule'];
export type CatalogueSync = Schemas['CatalogueSync'];
export type MarginReport = ResponseOf<'/admin/v1/reports/margins', 'get'>;
export type BillingReport = ResponseOf<'/admin/v1/reports/billing', 'get'>;
export type PricePlan = Schemas['PricePlan'];
export type NewPricePlan = BodyOf<'/admin/v1/price-plans', 'post'>;
export type PricePlanChanges = BodyOf<'/admin/v1/price-plans/{price_plan_id}', 'patch'>;
export type PricePlanPriceInput = NewPricePlan['prices'][number];
export type StockChange = ResponseOf<'/admin/v1/inventory/withdraw', 'post'>;
export type StockCounts = ResponseOf<'/admin/v1/inventory/counts', 'get'>;
export type ImportReport = ResponseOf<'/admin/v1/inventory/import', 'post'>;
export type ReconcileReport = Schemas['ReconcileReport'];
export type BillingRun = Schemas['BillingRun'];

/** How `admin.billing.run` starts a run and follows it. */
export interface BillingRunOptions {
  /** Bill as a run at this instant would (an ISO instant). @default now */
  asOf?: string;
  /** Follow the run to its end; false returns it as started, running. @default true */
  wait?: boolean;
  /** How often the run is asked how far it has got while it runs. @default 1000 */
  pollIntervalMs?: number;
  /** Told the run as it was answered and after each poll. */
  onProgress?: (run: BillingRun) => void;
}
export type UpstreamDifference = Schemas['UpstreamDifference'];
export type NumberType = Schemas['NumberType'];
export type State = Schemas['State'];
export type Country = Schemas['Country'];
export type RouteType = Schemas['RouteType'];
export type PersonType = Schemas['PersonType'];
