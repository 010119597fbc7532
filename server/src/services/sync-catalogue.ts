import type { CatalogueSlice, UpstreamCatalogue, UpstreamOffer } from '../carriers/catalogue.js';
import type { CarrierName } from '../domain/carrier-name.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { NUMBER_TYPES, type NumberType } from '../domain/phone-number.js';
import { priceByRule, type PricingRule } from '../domain/pricing-rule.js';
import { READ_COMMITTED } from '../store/database.js';
import { failAbandonedSyncRuns, insertSyncRun, updateSyncRun } from '../store/catalogue-sync-store.js';
import { UNSOLD_STATUSES } from '../store/inventory-store.js';
import { insertNumbers } from '../store/number-store.js';
import type { CatalogueSyncRow, NewPhoneNumber } from '../store/tables.js';
import {
  changeUpstreamNumbers,
  findStockedOffers,
  listOfferedUpstreamNumbers,
  withdrawGoneNumbers,
  type UpstreamChange,
} from '../store/upstream-stock-store.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { pricingRulesByType } from './pricing-rules.js';
import { holdLease, type HeldLease } from './task-lease.js';

/** One process at a time syncs: its request budget is shared, and two syncs would only race each other. */
export const SYNC_LEASE = 'catalogue_sync';
const WITHDRAW_BATCH = 500;

export interface SyncCounts {
  /** Numbers put on sale: new upstream, or back upstream after the sync withdrew them. */
  added: number;
  /** Unsold numbers whose upstream cost or price changed. */
  repriced: number;
  /** Numbers taken off sale because the upstream no longer offers them. */
  withdrawn: number;
  /** Numbers the upstream offers that stayed as they were: unchanged, sold, or another carrier's. */
  unchanged: number;
}

export interface SyncProgress extends SyncCounts {
  slicesTotal: number;
  slicesDone: number;
  pagesRead: number;
  numbersSeen: number;
}

export interface SyncReport extends SyncProgress {
  /** Number types with no pricing rule: the sync left their numbers alone. */
  skippedTypes: NumberType[];
}

export type SyncStarter = 'operator' | 'schedule';

/**
 * Starts a catalogue sync in the background and returns its run, which its progress and outcome
 * update as it goes (GET /inventory/syncs/{id}). Refused with `upstream_not_configured` when the
 * carrier is Bilby's own, and `sync_in_progress` while any process runs one.
 */
export async function startCatalogueSync(deps: ServiceDeps, startedBy: SyncStarter): Promise<CatalogueSyncRow> {
  const catalogue = deps.catalogue;
  if (!catalogue) {
    throw new AppError('upstream_not_configured', 'There is no upstream to sync with: the server runs its own carrier (set BILBY_CARRIER=crazytel)');
  }
  const id = newId('syn');
  const lease = await holdLease(deps, SYNC_LEASE, id);
  if (!lease) throw new AppError('sync_in_progress', 'A catalogue sync is already running; wait for it to finish');
  try {
    const at = isoNow(deps);
    await deps.database.writeStatement((ex) => failAbandonedSyncRuns(ex, id, at));
    const rules = await pricingRulesByType(deps);
    const run: CatalogueSyncRow = {
      id,
      carrier: catalogue.carrier,
      status: 'running',
      started_by: startedBy,
      slices_total: catalogue.slices(NUMBER_TYPES.filter((type) => rules.has(type))).length,
      slices_done: 0,
      pages_read: 0,
      numbers_seen: 0,
      added: 0,
      repriced: 0,
      withdrawn: 0,
      unchanged: 0,
      skipped_types: JSON.stringify(NUMBER_TYPES.filter((type) => !rules.has(type))),
      error: null,
      started_at: at,
      updated_at: at,
      finished_at: null,
    };
    await deps.database.writeStatement((ex) => insertSyncRun(ex, run));
    deps.tasks.track(runInBackground(deps, catalogue, lease, run));
    return run;
  } catch (error) {
    await lease.release();
    throw error;
  }
}

async function runInBackground(deps: ServiceDeps, catalogue: UpstreamCatalogue, lease: HeldLease, run: CatalogueSyncRow): Promise<void> {
  const save = (changes: Partial<CatalogueSyncRow>) => deps.database.writeStatement((ex) => updateSyncRun(ex, run.id, { ...changes, updated_at: isoNow(deps) }));
  try {
    const report = await syncCatalogue(deps, catalogue, {
      ...(deps.stopping ? { signal: deps.stopping } : {}),
      held: lease.held,
      onProgress: (progress) => save(progressColumns(progress)),
    });
    await save({ ...progressColumns(report), status: 'completed', finished_at: isoNow(deps) });
    deps.log.info({ sync_id: run.id, ...countsOf(report), skipped_types: report.skippedTypes }, 'catalogue sync completed');
  } catch (error) {
    deps.log.error({ err: error, sync_id: run.id }, 'catalogue sync failed');
    await save({ status: 'failed', error: describe(error), finished_at: isoNow(deps) }).catch(() => undefined);
  } finally {
    await lease.release().catch(() => undefined);
  }
}

export interface SyncOptions {
  /** Stops the sync before its next step. */
  signal?: AbortSignal;
  /** False once the sync's lease is lost: it stops before writing again. @default always held */
  held?: () => boolean;
  /** Told after each page and each slice. */
  onProgress?: (progress: SyncProgress) => Promise<unknown> | void;
}

/**
 * Brings the carrier's stock in Bilby to what the upstream offers, one slice of its listing at a
 * time, for each number type that has a pricing rule:
 *
 * - a page is read from the upstream (no transaction open), then written in one short transaction:
 *   numbers new upstream are added at the rule's price with their upstream cost, unsold ones whose
 *   cost or rule price changed are repriced, and ones the upstream offers again after the sync
 *   withdrew them go back on sale;
 * - once a slice has been read whole, its unsold numbers the upstream no longer offers are
 *   withdrawn (a slice whose reading failed withdraws nothing).
 *
 * Sold and reserved numbers and other carriers' numbers are never changed: every write is
 * conditional on the number's status and carrier at the time of the write, so a number bought
 * while the sync runs is left alone. A sync that stops part way has changed only what it
 * finished: the next one converges from there.
 */
export async function syncCatalogue(deps: ServiceDeps, catalogue: UpstreamCatalogue, options: SyncOptions = {}): Promise<SyncReport> {
  const rules = await pricingRulesByType(deps);
  const types = NUMBER_TYPES.filter((type) => rules.has(type));
  const slices = catalogue.slices(types);
  const progress: SyncProgress = { slicesTotal: slices.length, slicesDone: 0, pagesRead: 0, numbersSeen: 0, added: 0, repriced: 0, withdrawn: 0, unchanged: 0 };
  const mayWrite = () => {
    options.signal?.throwIfAborted();
    if (options.held && !options.held()) throw new Error('the sync lost its lease to another process');
  };
  let ignored = 0;
  for (const slice of slices) {
    const rule = rules.get(slice.numberType)!;
    const seen = new Set<string>();
    for await (const page of catalogue.pages(slice, options.signal)) {
      ignored += page.ignored;
      const offers = page.offers.filter((offer) => !seen.has(offer.didNumber));
      for (const offer of offers) seen.add(offer.didNumber);
      mayWrite();
      add(progress, await writePage(deps, catalogue.carrier, rule, offers));
      progress.pagesRead++;
      progress.numbersSeen += offers.length;
      await options.onProgress?.({ ...progress });
    }
    mayWrite();
    progress.withdrawn += await withdrawGone(deps, catalogue.carrier, slice, seen, mayWrite);
    progress.slicesDone++;
    await options.onProgress?.({ ...progress });
  }
  if (ignored > 0) deps.log.warn({ carrier: catalogue.carrier, ignored }, 'the upstream listed numbers Bilby cannot sell; they were left out');
  return { ...progress, skippedTypes: NUMBER_TYPES.filter((type) => !rules.has(type)) };
}

/** One page of offers against the stock, in one short transaction: adds, reprices and reinstates. */
async function writePage(deps: ServiceDeps, carrier: CarrierName, rule: PricingRule, offers: UpstreamOffer[]): Promise<Omit<SyncCounts, 'withdrawn'>> {
  if (offers.length === 0) return { added: 0, repriced: 0, unchanged: 0 };
  const at = isoNow(deps);
  // READ COMMITTED: every write below is conditional on what it relies on (the number absent, or
  // still unsold and the carrier's), so a purchase between the read and the writes only makes it skip.
  return deps.database.writeTransaction(async (trx) => {
    const stocked = await findStockedOffers(
      trx,
      offers.map((offer) => offer.didNumber),
    );
    const fresh: NewPhoneNumber[] = [];
    const changes = new Map<string, { change: UpstreamChange; counted: 'added' | 'repriced' | 'unchanged'; didNumbers: string[] }>();
    for (const offer of offers) {
      const cost = { setupCents: offer.setupCents, monthlyCents: offer.monthlyCents };
      const price = priceByRule(rule, cost);
      const number = stocked.get(offer.didNumber);
      if (!number) {
        fresh.push(newUpstreamNumber(offer, carrier, price, at));
        continue;
      }
      if (number.carrier !== carrier || !(UNSOLD_STATUSES as readonly string[]).includes(number.status)) continue;
      const costChanged =
        number.upstream_setup_cost_cents === null ||
        Number(number.upstream_setup_cost_cents) !== cost.setupCents ||
        Number(number.upstream_monthly_cost_cents) !== cost.monthlyCents;
      const followsRule = Number(number.custom_price) === 0;
      const priceChanged = followsRule && (Number(number.setup_cost_cents) !== price.setupCents || Number(number.monthly_cost_cents) !== price.monthlyCents);
      const reinstate = number.status === 'withdrawn' && Number(number.gone_upstream) === 1;
      // A number the upstream moved to another state would be withdrawn from its old state's slice on every sync.
      const moved = number.state !== offer.state || number.city !== offer.city;
      if (!costChanged && !priceChanged && !reinstate && !moved) continue;
      const change: UpstreamChange = {
        upstreamSetupCents: cost.setupCents,
        upstreamMonthlyCents: cost.monthlyCents,
        ...(followsRule ? { price } : {}),
        reinstate,
        place: { state: offer.state, city: offer.city },
      };
      // A number only moved (its state or city) counts as unchanged: its offer is the same.
      const counted = reinstate ? 'added' : costChanged || priceChanged ? 'repriced' : 'unchanged';
      const key = `${counted} ${JSON.stringify(change)}`;
      const group = changes.get(key);
      if (group) group.didNumbers.push(offer.didNumber);
      else changes.set(key, { change, counted, didNumbers: [offer.didNumber] });
    }
    // In key order, as the import inserts: the inserts walk each index instead of jumping around it.
    fresh.sort((a, b) => (a.did_number < b.did_number ? -1 : a.did_number > b.did_number ? 1 : 0));
    let added = fresh.length > 0 ? await insertNumbers(trx, fresh) : 0;
    let repriced = 0;
    for (const { change, counted, didNumbers } of changes.values()) {
      const changed = (await changeUpstreamNumbers(trx, carrier, didNumbers, change, at)).length;
      if (counted === 'added') added += changed;
      else if (counted === 'repriced') repriced += changed;
    }
    return { added, repriced, unchanged: offers.length - added - repriced };
  }, READ_COMMITTED);
}

function newUpstreamNumber(offer: UpstreamOffer, carrier: CarrierName, price: { setupCents: number; monthlyCents: number }, at: string): NewPhoneNumber {
  return {
    did_number: offer.didNumber,
    country: offer.country,
    number_type: offer.numberType,
    state: offer.state,
    city: offer.city,
    area_code: offer.areaCode,
    setup_cost_cents: price.setupCents,
    monthly_cost_cents: price.monthlyCents,
    upstream_setup_cost_cents: offer.setupCents,
    upstream_monthly_cost_cents: offer.monthlyCents,
    custom_price: 0,
    carrier,
    status: 'available',
    block_premium: 0,
    created_at: at,
    updated_at: at,
  };
}

/** Withdraws the slice's unsold numbers the upstream did not offer, a short transaction per batch. */
async function withdrawGone(deps: ServiceDeps, carrier: CarrierName, slice: CatalogueSlice, seen: Set<string>, mayWrite: () => void): Promise<number> {
  const offered = await listOfferedUpstreamNumbers(deps.database.db, {
    carrier,
    country: slice.country,
    numberType: slice.numberType,
    ...(slice.state === null ? {} : { state: slice.state }),
  });
  const gone = offered.filter((didNumber) => !seen.has(didNumber));
  let withdrawn = 0;
  for (let i = 0; i < gone.length; i += WITHDRAW_BATCH) {
    mayWrite();
    const batch = gone.slice(i, i + WITHDRAW_BATCH);
    withdrawn += (await deps.database.writeTransaction((trx) => withdrawGoneNumbers(trx, carrier, batch, isoNow(deps)), READ_COMMITTED)).length;
  }
  return withdrawn;
}

function add(progress: SyncProgress, counts: Omit<SyncCounts, 'withdrawn'>): void {
  progress.added += counts.added;
  progress.repriced += counts.repriced;
  progress.unchanged += counts.unchanged;
}

function countsOf(report: SyncProgress): SyncCounts {
  return { added: report.added, repriced: report.repriced, withdrawn: report.withdrawn, unchanged: report.unchanged };
}

function progressColumns(progress: SyncProgress): Partial<CatalogueSyncRow> {
  return {
    slices_total: progress.slicesTotal,
    slices_done: progress.slicesDone,
    pages_read: progress.pagesRead,
    numbers_seen: progress.numbersSeen,
    added: progress.added,
    repriced: progress.repriced,
    withdrawn: progress.withdrawn,
    unchanged: progress.unchanged,
  };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 500);
}
