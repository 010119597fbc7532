import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient } from '../sdk/src/index.js';
import type { CataloguePage } from '../server/src/carriers/catalogue.js';
import { CrazyTelCatalogue } from '../server/src/carriers/crazytel/upstream-catalogue.js';

/** An upstream that answers listings from `pages` by cursor, recording each request's query. */
function upstreamAnswering(pages: Record<string, { results: unknown[]; next_cursor?: string | null }>) {
  const asked: URLSearchParams[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    const url = new URL(String(input));
    asked.push(url.searchParams);
    const page = pages[url.searchParams.get('cursor') ?? 'first'] ?? { results: [] };
    return new Response(JSON.stringify(page), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const catalogue = new CrazyTelCatalogue(createClient({ baseUrl: 'http://upstream.example', apiKey: 'k', compatibility: 'crazytel', fetch }));
  return { catalogue, asked };
}

const item = (did: string, extra: Record<string, unknown> = {}) => ({
  did_number: did,
  number_type: 'geographic',
  country: 'AU',
  state: 'NSW',
  city: 'Sydney',
  area_code: '02',
  setup_cost: 1,
  monthly_cost: 5,
  ...extra,
});

async function readAll(pages: AsyncIterable<CataloguePage>): Promise<CataloguePage[]> {
  const read: CataloguePage[] = [];
  for await (const page of pages) read.push(page);
  return read;
}

describe("the upstream's catalogue, as the crazytel carrier reads it", () => {
  it('reads Australian geographic numbers a state at a time and every other type in one listing per country', () => {
    const { catalogue } = upstreamAnswering({});
    const slices = catalogue.slices(['geographic', 'mobile']);
    assert.deepEqual(
      slices.map((slice) => `${slice.country} ${slice.numberType} ${slice.state ?? '*'}`),
      [
        ...['ACT', 'NSW', 'NT', 'QLD', 'SA', 'TAS', 'VIC', 'WA'].map((state) => `AU geographic ${state}`),
        'AU mobile *',
        'NZ geographic *',
        'NZ mobile *',
      ],
    );
  });

  it("follows next_cursor page by page, asking 1,000 a page with the slice's filters, and stops on a cursor seen before", async () => {
    const { catalogue, asked } = upstreamAnswering({
      first: { results: [item('61291230001')], next_cursor: 'c1' },
      c1: { results: [item('61291230002')], next_cursor: 'c2' },
      c2: { results: [item('61291230003')], next_cursor: 'c1' },
    });
    const pages = await readAll(catalogue.pages({ country: 'AU', numberType: 'geographic', state: 'NSW' }));
    assert.deepEqual(pages.map((page) => page.offers.map((offer) => offer.didNumber)), [['61291230001'], ['61291230002'], ['61291230003']]);
    assert.deepEqual(
      asked.map((query) => Object.fromEntries(query)),
      [
        { country: 'AU', number_type: 'geographic', state: 'NSW', limit: '1000' },
        { country: 'AU', number_type: 'geographic', state: 'NSW', limit: '1000', cursor: 'c1' },
        { country: 'AU', number_type: 'geographic', state: 'NSW', limit: '1000', cursor: 'c2' },
      ],
    );
  });

  it('reads an upstream that does not page (no next_cursor) as one page', async () => {
    const { catalogue, asked } = upstreamAnswering({ first: { results: [item('61291230001'), item('61291230002')] } });
    const pages = await readAll(catalogue.pages({ country: 'AU', numberType: 'geographic', state: 'NSW' }));
    assert.equal(pages.length, 1);
    assert.equal(asked.length, 1);
    assert.deepEqual(pages[0]!.offers[0], {
      didNumber: '61291230001',
      country: 'AU',
      numberType: 'geographic',
      state: 'NSW',
      city: 'Sydney',
      areaCode: '02',
      setupCents: 1_00,
      monthlyCents: 5_00,
    });
  });

  it("leaves out what is not a number of the slice Bilby can sell, and counts it", async () => {
    const { catalogue } = upstreamAnswering({
      first: {
        results: [
          item('61291230001'),
          item('not-a-number'),
          item('61391230002', { state: 'VIC' }), // another state than asked for
          item('61412345678', { number_type: 'mobile', state: null }), // another type
          item('61291230003', { setup_cost: 1.005 }), // not whole cents
          item('61291230004', { monthly_cost: -1 }),
          item('61291230005', { monthly_cost: '5.00' }),
          item('61291230006', { setup_cost: 20_000_000 }), // more than a rule can mark up
          item('+61 2 9123 0007'), // another form of a number: normalised
        ],
      },
    });
    const [page] = await readAll(catalogue.pages({ country: 'AU', numberType: 'geographic', state: 'NSW' }));
    assert.deepEqual(page!.offers.map((offer) => offer.didNumber), ['61291230001', '61291230007']);
    assert.equal(page!.ignored, 7);
  });

  it('stops between pages once the sync is aborted, without waiting for the answer', async () => {
    const stop = new AbortController();
    let release: () => void = () => {};
    const fetch: typeof globalThis.fetch = () =>
      new Promise((resolve) => {
        release = () => resolve(new Response(JSON.stringify({ results: [] }), { status: 200 }));
      });
    const catalogue = new CrazyTelCatalogue(createClient({ baseUrl: 'http://upstream.example', apiKey: 'k', compatibility: 'crazytel', fetch }));
    const reading = readAll(catalogue.pages({ country: 'AU', numberType: 'mobile', state: null }, stop.signal));
    stop.abort(new Error('stopping'));
    await assert.rejects(reading, /stopping/);
    release();
  });
});
