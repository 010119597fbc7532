export { createClient, type BilbyClient, type CallOptions } from './client.js';
export * from './errors.js';
export { verifyWebhook, WebhookSignatureError, type VerifyWebhookOptions } from './webhooks.js';
export * from './openapi-values.js';
export type { PagePromise } from './pagination.js';
export type { ClientOptions } from './transport.js';
export type * from './types.js';
