import type { Page } from './types.js';

/** A list call: `await` it for the first page, or `for await` over it for every item of every page. */
export type PagePromise<T> = Promise<Page<T>> & AsyncIterable<T>;

export function pageable<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, cursor?: string): PagePromise<T> {
  const first = fetchPage(cursor);
  return Object.assign(first, {
    async *[Symbol.asyncIterator]() {
      let page = await first;
      for (;;) {
        yield* page.results;
        if (!page.next_cursor || page.results.length === 0) return;
        page = await fetchPage(page.next_cursor);
      }
    },
  });
}
