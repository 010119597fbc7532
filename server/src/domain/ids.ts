import { v7 as uuidv7, validate as uuidValidate } from 'uuid';

/**
 * Ids are time-ordered (UUIDv7) so that keyset pagination over an id is also creation order.
 * Addresses and persons use plain UUIDs as CrazyTel does; Bilby's own objects carry a prefix.
 */
export type IdPrefix = 'acc' | 'key' | 'dst' | 'ord' | 'txn' | 'hld' | 'rel' | 'syn' | 'inv' | 'evt' | 'pln' | 'rst' | 'bil' | 'whe' | 'wha' | 'blk';

export function newUuid(): string {
  return uuidv7();
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${uuidv7().replaceAll('-', '')}`;
}

export function isUuid(value: string): boolean {
  return uuidValidate(value);
}

export function newRequestId(): string {
  return `req_${uuidv7().replaceAll('-', '')}`;
}

/** The smallest id `newId(prefix)` can give at `instant`: every id made before it sorts below it. */
export function firstIdAt(prefix: IdPrefix, instant: Date): string {
  return `${prefix}_${instant.getTime().toString(16).padStart(12, '0')}`;
}
