import { invalidRequest } from '../domain/errors.js';
import { decodeCursor, encodeCursor } from '../domain/page.js';
import { MAX_REPLAY_EVENTS, type WebhookEventChoice } from '../domain/webhook-endpoint.js';
import { replayEvents } from '../store/webhook-delivery-store.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { requireEndpoint } from './webhook-endpoints.js';

export interface ReplayRange {
  /** An event's cursor: the events after it (all the account keeps when absent). */
  after?: string;
  /** An event's cursor: up to and including it (the latest when absent). */
  through?: string;
}

export interface ReplayReport {
  queued: number;
  /** The cursor of the last event queued: replay again with it as `after` when `more` is true. */
  lastCursor: string | null;
  more: boolean;
}

/**
 * `POST /webhooks/{id}/replay`: the range's events (of the kinds the endpoint wants) are delivered
 * again, whatever became of them before, in order per number behind what is already queued. At most
 * MAX_REPLAY_EVENTS a call: `more` says to call again after `lastCursor`.
 */
export async function replayWebhooks(deps: ServiceDeps, accountId: string, id: string, range: ReplayRange): Promise<ReplayReport> {
  const afterSeq = range.after === undefined ? 0 : seqOf('after', range.after);
  const throughSeq = range.through === undefined ? null : seqOf('through', range.through);
  if (throughSeq !== null && throughSeq <= afterSeq) throw invalidRequest('through', 'must be a later event than after');
  const queued = await deps.database.writeTransaction(async (trx) => {
    const endpoint = await requireEndpoint(trx, accountId, id);
    const events = JSON.parse(endpoint.events) as WebhookEventChoice[];
    return replayEvents(trx, { id, accountId, events, enabled: endpoint.status === 'enabled' }, { afterSeq, throughSeq }, isoNow(deps), MAX_REPLAY_EVENTS);
  });
  const last = queued.seqs[queued.seqs.length - 1];
  return { queued: queued.seqs.length, lastCursor: last === undefined ? null : encodeCursor(String(last)), more: queued.more };
}

function seqOf(field: string, cursor: string): number {
  let text: string | undefined;
  try {
    text = decodeCursor(cursor);
  } catch {
    text = undefined;
  }
  if (text === undefined || !/^[0-9]{1,15}$/.test(text)) throw invalidRequest(field, "is not an event's cursor");
  return Number(text);
}
