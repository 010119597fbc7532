import { EVENT_RETENTION_DAYS, type AccountEvent } from '../domain/account-event.js';
import { listAccountEvents, pruneAccountEvents } from '../store/account-event-store.js';
import type { Page, PageRequest } from '../store/page.js';
import type { ServiceDeps } from './deps.js';

/** `GET /events/`: the account's events after a cursor, oldest first. */
export function eventsOf(deps: Pick<ServiceDeps, 'database'>, accountId: string, page: PageRequest): Promise<Page<AccountEvent>> {
  return listAccountEvents(deps.database.db, accountId, page);
}

/** Events dropped per maintenance pass at most: the pass is a write, and others wait for it. */
const PRUNE_PER_PASS = 5_000;
const DAY_MS = 86_400_000;

/** Drops events older than EVENT_RETENTION_DAYS, a bounded share each maintenance pass. */
export function pruneOldEvents(deps: Pick<ServiceDeps, 'database' | 'clock'>): Promise<number> {
  const before = new Date(deps.clock().getTime() - EVENT_RETENTION_DAYS * DAY_MS);
  return deps.database.writeTransaction((trx) => pruneAccountEvents(trx, before, PRUNE_PER_PASS));
}
