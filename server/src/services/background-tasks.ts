/**
 * Work that outlives the request that started it (a carrier answer arriving after the client was
 * told upstream_pending). Tracked so that shutdown can wait for it instead of cutting it off.
 */
export class BackgroundTasks {
  readonly #running = new Set<Promise<unknown>>();

  track(task: Promise<unknown>): void {
    const settled = task.catch(() => undefined).finally(() => this.#running.delete(settled));
    this.#running.add(settled);
  }

  get size(): number {
    return this.#running.size;
  }

  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}
