/** One of the independent runs of a property that inChains starts: its share of the runs and its seed. */
export interface Chain {
  index: number;
  numRuns: number;
  seed: number;
}

/**
 * Runs a property's `runs` cases as `chains` fc.assert calls side by side, with seeds seed,
 * seed + 1, …: as many cases as one call of `runs` would check, each chain on a database of its own,
 * so that one chain's round trips to PostgreSQL overlap the others' instead of queueing behind them.
 * A failing chain reports its own seed: BILBY_TEST_SEED set to it replays that chain as chain 0.
 * Every chain runs to its end before the first failure is thrown, so none outlives the test's cleanup.
 */
export async function inChains(runs: number, seed: number, chains: number, check: (chain: Chain) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(
    Array.from({ length: chains }, (_, index) =>
      check({ index, seed: seed + index, numRuns: Math.floor(runs / chains) + (index < runs % chains ? 1 : 0) }),
    ),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
