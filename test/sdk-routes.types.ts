/**
 * Type-level checks of the SDK's routes, compiled by `npm run typecheck` (never run): each
 * `@ts-expect-error` line must be a type error, or the type check fails.
 */
import type { PathParams, Route, Success } from '../sdk/src/routes.js';

export const documented: Array<Route<'customer', 'GET'>> = ['/phone-numbers/available-numbers/', '/phone-numbers/{did_number}', '/balance'];
// @ts-expect-error a path the document does not have
export const misspelt: Route<'customer', 'GET'> = '/phone-numbers/available-number/';
// @ts-expect-error the purchase is a POST, never a GET
export const wrongMethod: Route<'customer', 'GET'> = '/phone-numbers/purchase';
// @ts-expect-error an operator path is not under the customer API's prefix
export const wrongApi: Route<'customer', 'GET'> = '/accounts';
// @ts-expect-error the document's paths, not filled ones
export const filled: Route<'admin', 'GET'> = '/accounts/acc_1';

export const params: PathParams<'admin', 'DELETE', '/accounts/{account_id}/keys/{key_id}'> = { account_id: 'a', key_id: 'k' };
// @ts-expect-error key_id is missing
export const missing: PathParams<'admin', 'DELETE', '/accounts/{account_id}/keys/{key_id}'> = { account_id: 'a' };
export const none: PathParams<'customer', 'GET', '/balance/'> = undefined;

export const balance: Success<'customer', 'GET', '/balance/'> = { account_code: '1000001', balance: 1, available_balance: 1 };
// @ts-expect-error a 201 is the created address, with its id
export const created: Success<'customer', 'POST', '/account/address/'> = { city: 'Perth' };
