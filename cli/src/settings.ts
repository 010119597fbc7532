import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createClient, type BilbyClient, type ClientOptions } from '@bilby/sdk';
import { UsageError } from './failures.js';

/** What `bilby login` saves. */
export interface SavedSettings {
  baseUrl?: string;
  apiKey?: string;
  adminKey?: string;
}

export interface GlobalOptions {
  baseUrl?: string;
  apiKey?: string;
  adminKey?: string;
  json?: boolean;
}

export const DEFAULT_BASE_URL = 'http://localhost:8080';

type Env = Record<string, string | undefined>;

/** `$BILBY_CONFIG`, else `$XDG_CONFIG_HOME/bilby/config.json`, else `~/.config/bilby/config.json`. */
export function configPath(env: Env = process.env): string {
  if (env.BILBY_CONFIG) return env.BILBY_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'bilby', 'config.json');
}

export function readSavedSettings(env: Env = process.env): SavedSettings {
  try {
    return JSON.parse(readFileSync(configPath(env), 'utf8')) as SavedSettings;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`${configPath(env)} is not a Bilby config file (${(error as Error).message}); run bilby login again`);
  }
}

/** Keys are secrets: the file is readable by its owner only. */
export function writeSavedSettings(settings: SavedSettings, env: Env = process.env): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** Flags win over the environment, which wins over the saved config. */
export function resolveSettings(
  options: GlobalOptions,
  env: Env = process.env,
  saved: SavedSettings = readSavedSettings(env),
): Required<Pick<SavedSettings, 'baseUrl'>> & SavedSettings {
  const apiKey = options.apiKey ?? env.BILBY_API_KEY ?? env.CRAZYTEL_API_KEY ?? saved.apiKey;
  const adminKey = options.adminKey ?? env.BILBY_ADMIN_KEY ?? saved.adminKey;
  return {
    baseUrl: options.baseUrl ?? env.BILBY_BASE_URL ?? saved.baseUrl ?? DEFAULT_BASE_URL,
    ...(apiKey ? { apiKey } : {}),
    ...(adminKey ? { adminKey } : {}),
  };
}

export function clientFor(options: GlobalOptions, need: 'customer' | 'admin', env: Env = process.env): BilbyClient {
  const settings = resolveSettings(options, env);
  if (need === 'customer' && !settings.apiKey) {
    throw new UsageError('No API key: pass --api-key, set BILBY_API_KEY (or CRAZYTEL_API_KEY), or run bilby login');
  }
  if (need === 'admin' && !settings.adminKey) {
    throw new UsageError('No admin key: pass --admin-key, set BILBY_ADMIN_KEY, or run bilby login --admin-key');
  }
  return createCliClient(settings);
}

/** The SDK client every command uses. */
export function createCliClient(settings: Pick<ClientOptions, 'baseUrl' | 'apiKey' | 'adminKey'>): BilbyClient {
  if (!/^https?:\/\/[^/]/.test(settings.baseUrl) || !URL.canParse(settings.baseUrl)) {
    throw new UsageError(`The server URL "${settings.baseUrl}" (--base-url, BILBY_BASE_URL or bilby login) is not an http:// or https:// URL`);
  }
  // Someone at a terminal is better told at once that nothing listens there than after the
  // back-off; 429s, 5xx answers and connections lost midway are still retried.
  return createClient({ ...settings, retryConnectFailures: false });
}
