import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has a PostgreSQL pool of 10 connections per process unless told otherwise', () => {
    assert.equal(loadConfig({}).databasePoolSize, 10);
    assert.equal(loadConfig({ BILBY_DATABASE_POOL_SIZE: '3' }).databasePoolSize, 3);
  });

  it('gives slow clients 30 s for headers, 60 s for a JSON body and 60 s of silence in any body unless told otherwise', () => {
    const defaults = loadConfig({});
    assert.deepEqual(
      [defaults.headersTimeoutMs, defaults.bodyTimeoutMs, defaults.bodyIdleTimeoutMs, defaults.keepAliveTimeoutMs],
      [30_000, 60_000, 60_000, 72_000],
    );
    assert.equal(loadConfig({ BILBY_BODY_IDLE_TIMEOUT_MS: '1000' }).bodyIdleTimeoutMs, 1_000);
    assert.throws(
      () => loadConfig({ BILBY_HEADERS_TIMEOUT_MS: '0', BILBY_BODY_TIMEOUT_MS: 'soon', BILBY_BODY_IDLE_TIMEOUT_MS: '1.5', BILBY_KEEP_ALIVE_TIMEOUT_MS: '-1' }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 4,
    );
  });

  it('reports every bad variable at once', () => {
    assert.throws(
      () => loadConfig({ BILBY_DATABASE_POOL_SIZE: '0', PORT: 'eighty', BILBY_CARRIER_FAILURE_RATE: '2' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.problems.map((problem) => problem.split(' ')[0]).sort(),
          ['BILBY_CARRIER_FAILURE_RATE', 'BILBY_DATABASE_POOL_SIZE', 'PORT'],
        );
        return true;
      },
    );
  });
});
