import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has a PostgreSQL pool of 10 connections per process unless told otherwise', () => {
    assert.equal(loadConfig({}).databasePoolSize, 10);
    assert.equal(loadConfig({ BILBY_DATABASE_POOL_SIZE: '3' }).databasePoolSize, 3);
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
