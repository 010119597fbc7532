import { isAbsolute, resolve } from 'node:path';

/**
 * A node:test reporter used beside spec by tools/run-tests.ts: for each test file, how long its
 * process ran (the runner's own duration of the file), as `seconds<TAB>file` lines that run-tests
 * sorts and prints. Plain JavaScript: Node loads reporters before `--import tsx` takes effect.
 */
export default async function* fileTimes(source) {
  const seconds = new Map();
  for await (const event of source) {
    if (!['test:complete', 'test:pass', 'test:fail'].includes(event.type)) continue;
    const { file, name, nesting, details } = event.data ?? {};
    if (!file || nesting !== 0 || !name || details?.duration_ms === undefined) continue;
    if ((isAbsolute(name) ? name : resolve(name)) !== file) continue; // a top-level describe, not the file
    seconds.set(file, details.duration_ms / 1000);
  }
  for (const [file, s] of seconds) yield `${s.toFixed(1)}\t${file}\n`;
}
