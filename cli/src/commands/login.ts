import type { Io } from '../io.js';
import { emit } from '../io.js';
import { createCliClient, readSavedSettings, resolveSettings, writeSavedSettings, type SavedSettings } from '../settings.js';
import { UsageError } from '../failures.js';

/** Checks the keys against the server, then saves them (owner-only file) for later commands. */
export async function login(input: SavedSettings, io: Io, env: Record<string, string | undefined> = process.env) {
  if (!input.apiKey && !input.adminKey) throw new UsageError('bilby login needs --api-key, --admin-key or both');
  const saved = readSavedSettings(env);
  const baseUrl = resolveSettings(input.baseUrl ? { baseUrl: input.baseUrl } : {}, env, saved).baseUrl;
  const settings: SavedSettings = { ...saved, ...input, baseUrl };
  const client = createCliClient({ ...input, baseUrl });
  const account = input.apiKey ? await client.balance() : null;
  if (input.adminKey) await client.admin.prices.list();
  const path = writeSavedSettings(settings, env);
  emit(io, { config: path, base_url: settings.baseUrl, account_code: account?.account_code ?? null }, (r) =>
    `Logged in to ${r.base_url}${r.account_code ? ` as account ${r.account_code}` : ''}${input.adminKey ? ' (with the admin key)' : ''}. Saved to ${r.config}.`,
  );
}
