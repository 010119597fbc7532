import { AppError, invalidRequest } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { changesPrices, type PricePlan, type StoredPricePlan } from '../domain/price-plan.js';
import type { Database, Executor } from '../store/database.js';
import {
  deletePricePlan,
  findPricePlan,
  listPlansWithoutCounts,
  listPricePlans,
  pricePlanNamed,
  setAccountPricePlan,
  updatePricePlan,
  insertPricePlan,
} from '../store/price-plan-store.js';
import { findAccount } from '../store/account-store.js';
import type { AccountRow } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { accountNotFound } from './operator-accounts.js';

/**
 * Price plans: the operator's prices for the accounts put on them (domain/price-plan.ts). A plan
 * changes what its accounts see and pay from the next search, quote, purchase or renewal on; what
 * was paid stays paid.
 */

export interface PricePlanInput {
  name: string;
  prices: PricePlan['prices'];
}

export function pricePlans(deps: Pick<ServiceDeps, 'database'>): Promise<StoredPricePlan[]> {
  return listPricePlans(deps.database.db);
}

export async function pricePlan(deps: Pick<ServiceDeps, 'database'>, id: string): Promise<StoredPricePlan> {
  const plan = await findPricePlan(deps.database.db, id);
  if (!plan) throw planNotFound(id);
  return plan;
}

export async function createPricePlan(deps: ServiceDeps, input: PricePlanInput): Promise<StoredPricePlan> {
  const name = requireName(input.name);
  const id = newId('pln');
  const plan = await deps.database.writeTransaction(async (trx) => {
    if (await pricePlanNamed(trx, name)) throw nameTaken(name);
    await insertPricePlan(trx, { id, name, prices: input.prices }, isoNow(deps));
    return (await findPricePlan(trx, id))!;
  });
  forgetCachedPlans(deps.database);
  return plan;
}

export async function changePricePlan(
  deps: ServiceDeps,
  id: string,
  changes: { name?: string; prices?: PricePlan['prices'] },
): Promise<StoredPricePlan> {
  const name = changes.name === undefined ? undefined : requireName(changes.name);
  const plan = await deps.database.writeTransaction(async (trx) => {
    if (name !== undefined) {
      const holder = await pricePlanNamed(trx, name);
      if (holder !== undefined && holder !== id) throw nameTaken(name);
    }
    const update = { ...(name === undefined ? {} : { name }), ...(changes.prices ? { prices: changes.prices } : {}) };
    if (!(await updatePricePlan(trx, id, update, isoNow(deps)))) throw planNotFound(id);
    return (await findPricePlan(trx, id))!;
  });
  forgetCachedPlans(deps.database);
  return plan;
}

/** 409 in_use while an account is on the plan: move the accounts first. */
export async function removePricePlan(deps: ServiceDeps, id: string): Promise<StoredPricePlan> {
  const plan = await deps.database.writeTransaction(async (trx) => {
    const found = await findPricePlan(trx, id);
    if (!found) throw planNotFound(id);
    const outcome = await deletePricePlan(trx, id);
    if (outcome === 'in_use') {
      throw new AppError('in_use', `Price plan ${id} is the plan of ${found.accounts} account(s); move them to another plan first`);
    }
    if (outcome === 'not_found') throw planNotFound(id);
    return { ...found, accounts: 0 };
  });
  forgetCachedPlans(deps.database);
  return plan;
}

/** Puts the account on the plan, or (null) back on the default prices. */
export async function assignPricePlan(deps: ServiceDeps, accountId: string, planId: string | null): Promise<AccountRow> {
  return deps.database.writeTransaction(async (trx) => {
    if (planId !== null && !(await findPricePlan(trx, planId))) throw invalidRequest('price_plan_id', `no such price plan: ${planId}`);
    if (!(await setAccountPricePlan(trx, accountId, planId))) throw accountNotFound(accountId);
    return (await findAccount(trx, accountId))!;
  });
}

function requireName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw invalidRequest('name', 'must not be blank');
  return trimmed;
}

function nameTaken(name: string): AppError {
  return new AppError('already_exists', `A price plan is already named "${name}"`);
}

function planNotFound(id: string): AppError {
  return new AppError('not_found', `No such price plan: ${id}`);
}

/**
 * How long a process prices searches by a plan it read before reading it again. A change made
 * through this process is seen at once; one made through another process within this long. Quotes
 * and purchases never use it: they read the plan in their own transaction.
 */
const PLAN_CACHE_MS = 2_000;

interface CachedPlan {
  plan: PricePlan | undefined;
  readAt: number;
}

const planCaches = new WeakMap<Database, Map<string, CachedPlan>>();

function forgetCachedPlans(database: Database): void {
  planCaches.get(database)?.clear();
}

/**
 * The plan a search prices its page by, undefined when it changes no price (no plan, or a plan
 * without prices): such searches run exactly as without plans. `ex` reads it when not cached: a
 * caller inside a transaction passes its own (SQLite's one connection is the transaction's).
 */
export async function planForSearch(
  deps: Pick<ServiceDeps, 'database'>,
  planId: string | null,
  ex: Executor = deps.database.db,
): Promise<PricePlan | undefined> {
  if (planId === null) return undefined;
  let cache = planCaches.get(deps.database);
  if (!cache) {
    cache = new Map();
    planCaches.set(deps.database, cache);
  }
  const now = Date.now();
  const hit = cache.get(planId);
  if (hit && now - hit.readAt < PLAN_CACHE_MS) return hit.plan;
  const [plan] = await listPlansWithoutCounts(ex, [planId]);
  const usable = changesPrices(plan) ? plan : undefined;
  cache.set(planId, { plan: usable, readAt: now });
  return usable;
}
