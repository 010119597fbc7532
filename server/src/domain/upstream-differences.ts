import type { NumberStatus } from './order.js';

/**
 * What reconciliation can find between what a carrier holds for Bilby and what Bilby's customers
 * hold: a number held but sold to nobody (the reseller pays for it), a number sold but not held
 * (its customer's calls go nowhere), a number held with other routing or other IPND records than
 * Bilby wants there, and a copy of Bilby's IPND record that no held number uses.
 */
export const DIFFERENCE_KINDS = ['owned_not_sold', 'sold_not_owned', 'routing_differs', 'ipnd_differs', 'orphaned_record'] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface UpstreamDifference {
  kind: DifferenceKind;
  did_number?: string;
  /** owned_not_sold: the number's status in Bilby, null when it is not in the inventory. */
  local_status?: NumberStatus | null;
  /** The customer the number is sold to. */
  account_id?: string;
  /** orphaned_record: which kind of IPND record, its id upstream and Bilby's own. */
  record?: 'address' | 'person';
  upstream_id?: string;
  local_id?: string;
  /** routing_differs: route and destination; ipnd_differs: address_id and person_id (null: never copied upstream). */
  expected?: Record<string, string | null>;
  actual?: Record<string, string | null> | null;
  detail: string;
}

/**
 * A number whose saga is open: its purchase, release or restore under way (its ownership is no difference
 * meanwhile), or a change of its configuration queued for upstream (its routing and IPND records
 * are not compared meanwhile).
 */
export interface InFlightNumber {
  did_number: string;
  saga: 'purchase' | 'release' | 'restore' | 'change';
  owned_upstream: boolean;
}

/** Bilby's side at one moment, as far as ownership goes. */
export interface LocalHoldings {
  /** Numbers customers hold whose release is not under way, with the account holding each. */
  sold: ReadonlyMap<string, string>;
  /** Numbers being bought or restored (reserved), or released. */
  inFlight: ReadonlyMap<string, 'purchase' | 'release' | 'restore'>;
}

export interface OwnershipDifferences {
  ownedNotSold: string[];
  soldNotOwned: string[];
}

/** The numbers held but not sold, and sold but not held, against one reading of Bilby's side. */
export function ownershipDifferences(local: LocalHoldings, held: ReadonlySet<string>): OwnershipDifferences {
  const ownedNotSold = [...held].filter((did) => !local.sold.has(did) && !local.inFlight.has(did)).sort();
  const soldNotOwned = [...local.sold.keys()].filter((did) => !held.has(did)).sort();
  return { ownedNotSold, soldNotOwned };
}

/**
 * Ownership differences against Bilby's side read before and after the carrier was: only those
 * found against both. A purchase or release that completed while the carrier was read shows as a
 * difference against one reading only, and is not one.
 */
export function settledOwnershipDifferences(before: LocalHoldings, after: LocalHoldings, held: ReadonlySet<string>): OwnershipDifferences {
  const first = ownershipDifferences(before, held);
  const second = ownershipDifferences(after, held);
  const both = (a: string[], b: string[]) => {
    const inB = new Set(b);
    return a.filter((did) => inB.has(did));
  };
  return { ownedNotSold: both(first.ownedNotSold, second.ownedNotSold), soldNotOwned: both(first.soldNotOwned, second.soldNotOwned) };
}

/** How many differences of each kind, every kind named. */
export function countDifferences(differences: readonly UpstreamDifference[]): Record<DifferenceKind, number> {
  const counts = Object.fromEntries(DIFFERENCE_KINDS.map((kind) => [kind, 0])) as Record<DifferenceKind, number>;
  for (const difference of differences) counts[difference.kind]++;
  return counts;
}
