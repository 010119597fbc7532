// A process of its own that migrates each database URL it reads on stdin, then answers one JSON
// line: {"applied": [...]} or {"error": "..."}. Several of them, told the same URL at once, race
// the way server processes started together do.
import { createInterface } from 'node:readline';
import { createDatabase } from '../../server/src/store/database.js';
import { migrateToLatest } from '../../server/src/store/migrate.js';

for await (const url of createInterface({ input: process.stdin })) {
  let answer: { applied: string[] } | { error: string };
  try {
    const database = createDatabase(url);
    try {
      answer = { applied: await migrateToLatest(database) };
    } finally {
      await database.close();
    }
  } catch (error) {
    answer = { error: (error as Error).stack ?? String(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
