import type { paths } from './openapi-types.js';

/**
 * Request paths typed against the OpenAPI document: a path the document does not list for a method,
 * or a path parameter it does not name, is a type error, so a renamed route fails the type check.
 */

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Api = 'customer' | 'admin';

interface Prefixes {
  customer: '/api/v1';
  admin: '/admin/v1';
}
type DocumentPath = keyof paths;

/**
 * The paths under an API's prefix that answer a method, e.g. `/phone-numbers/{did_number}` for
 * customer GETs. Each may end in a slash, as CrazyTel's own paths do (`/balance/`): Bilby answers
 * both forms, crazytel.io only the one it documents, so the SDK keeps CrazyTel's.
 */
export type Route<A extends Api, M extends Method> = {
  [K in DocumentPath]: K extends `${Prefixes[A]}${infer P}` ? (undefined extends paths[K][Lowercase<M>] ? never : P | `${P}/`) : never;
}[DocumentPath];

type WithoutSlash<R extends string> = R extends `${infer P}/` ? P : R;
type Operation<A extends Api, M extends Method, R extends string> =
  `${Prefixes[A]}${WithoutSlash<R>}` extends infer K extends DocumentPath ? NonNullable<paths[K][Lowercase<M>]> : never;

/** The route's path parameters by name, or undefined when it has none. */
export type PathParams<A extends Api, M extends Method, R extends string> =
  Operation<A, M, R> extends { parameters: { path: infer P } } ? P : undefined;

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;
/** The JSON a route answers on success (200 or 201), as the document describes it. */
export type Success<A extends Api, M extends Method, R extends string> =
  Operation<A, M, R> extends { responses: infer S } ? Json<S[200 & keyof S]> | Json<S[201 & keyof S]> : never;

/** The route with each `{name}` replaced by its parameter, percent-encoded. */
export function fillRoute(route: string, params: Readonly<Record<string, string>> | undefined): string {
  return route.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`${route}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
}
