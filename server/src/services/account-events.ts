import { EVENT_RETENTION_DAYS, type AccountEvent } from '../domain/account-event.js';
import { invalidRequest } from '../domain/errors.js';
import { listAccountEvents, pruneAccountEvents } from '../store/account-event-store.js';
import type { Page, PageRequest } from '../store/page.js';
import type { ServiceDeps } from './deps.js';

/** `GET /events/`: the account's events after a cursor, oldest first. */
export async function eventsOf(deps: Pick<ServiceDeps, 'database'>, accountId: string, page: PageRequest): Promise<Page<AccountEvent>> {
  // An event's cursor is its number in the stream; anything else was not made by this API.
  if (page.after !== undefined && !/^[0-9]{1,15}$/.test(page.after)) throw invalidRequest('after', 'is not a cursor this API returned');
  const events = await listAccountEvents(deps.database.db, accountId, page);
  // A cursor handed out must never be handed out again: only events a power cut cannot undo.
  await deps.database.durable();
  return events;
}

/** Events dropped per maintenance pass at most: the pass is a write, and others wait for it. */
const PRUNE_PER_PASS = 5_000;
const DAY_MS = 86_400_000;

/** Drops events older than EVENT_RETENTION_DAYS, a bounded share each maintenance pass. */
export function pruneOldEvents(deps: Pick<ServiceDeps, 'database' | 'clock'>): Promise<number> {
  const before = new Date(deps.clock().getTime() - EVENT_RETENTION_DAYS * DAY_MS);
  return deps.database.writeTransaction((trx) => pruneAccountEvents(trx, before, PRUNE_PER_PASS));
}
