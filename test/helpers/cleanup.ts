/** Where a helper registers what to undo: a test's context, or a script's own list (the soak). */
export interface Cleanup {
  after(fn: () => unknown): void;
}

/** A cleanup list for a script outside the test runner: `run()` undoes everything, last first. */
export function cleanupList(): Cleanup & { run(): Promise<void> } {
  const steps: Array<() => unknown> = [];
  return {
    after: (fn) => void steps.push(fn),
    async run() {
      while (steps.length > 0) await steps.pop()!();
    },
  };
}
