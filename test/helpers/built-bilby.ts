import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SERVER_NODE_FLAGS } from '../../tools/server-node-flags.js';

/**
 * Test files start a few hundred server and CLI processes. From source each one loads tsx and
 * hundreds of modules; the bundle starts in a fraction of that. So processes run the bundle, built
 * once per source tree: its folder is named by a hash of what goes into it, and a changed file
 * makes a new one, so a test never runs code older than the tree. test/serve.test.ts still starts
 * one server from source, as `npm run dev` does.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILDS = join(ROOT, 'node_modules', '.cache', 'bilby-test-build');
const INPUTS = ['sdk/src', 'server/src', 'cli/src', 'tools', 'package-lock.json', 'cli/package.json', 'tsconfig.base.json', 'tsconfig.json', 'sdk/tsconfig.json', 'server/tsconfig.json', 'cli/tsconfig.json'];

function sourceHash(): string {
  const hash = createHash('sha256');
  const visit = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry));
      return;
    }
    hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of INPUTS) visit(join(ROOT, input));
  return hash.digest('hex').slice(0, 16);
}

let built: Promise<string> | undefined;

/** The folder holding this tree's bundle (bilby.mjs beside bilby.bundle.cjs and the thread modules). */
export function builtBilby(): Promise<string> {
  built ??= build();
  return built;
}

/** The command that runs `bilby` from the bundle: Node with the bin's own flags. */
export async function bilbyCommand(): Promise<string[]> {
  return [process.execPath, ...SERVER_NODE_FLAGS, join(await builtBilby(), 'bilby.mjs')];
}

const execFileAsync = promisify(execFile);

async function build(): Promise<string> {
  const folder = join(BUILDS, sourceHash());
  if (existsSync(join(folder, 'bilby.mjs'))) return folder;
  mkdirSync(BUILDS, { recursive: true });
  // Built aside and renamed into place: a parallel test file finds a whole build or none.
  const building = join(BUILDS, `building-${randomBytes(6).toString('hex')}`);
  try {
    await execFileAsync(process.execPath, ['--import', 'tsx', 'tools/bundle.ts', building], { cwd: ROOT });
    try {
      renameSync(building, folder);
    } catch (error) {
      if (!existsSync(join(folder, 'bilby.mjs'))) throw error; // else another process built it first
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  pruneOlderBuilds(folder);
  return folder;
}

/** Builds of earlier trees, an hour old or more (a parallel run of another tree may still use a newer one). */
function pruneOlderBuilds(keep: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const entry of readdirSync(BUILDS)) {
    const path = join(BUILDS, entry);
    if (path !== keep && statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
  }
}
