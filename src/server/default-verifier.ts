/**
 * The `totp` verifier a fresh app gets (design §2), so enforcing 2FA takes one checkbox. Upgrading
 * from a NocoBase older than 1.7.0, install() runs before plugin-verification's afterLoad
 * migration, which copies the old `verificators` only into an EMPTY `verifiers` table: then our
 * own migration (migrations/) creates it afterwards instead.
 */
import type { Application } from '@nocobase/server';
import { DEFAULT_TOTP_VERIFIER, FACTOR_TYPES } from '../constants';

/**
 * Whether the app's recorded version is below 1.7.0, prereleases of 1.7.0 included (semver's
 * `<1.7.0` with prereleases, as plugin-verification's migration reads it). No recorded version
 * (a fresh install) is not older.
 */
function olderThan1_7(version: unknown): boolean {
  const match = typeof version === 'string' ? /^v?(\d+)\.(\d+)\.(\d+)(-.+)?/.exec(version) : null;
  if (!match) return false;
  const [major, minor, patch] = match.slice(1, 4).map(Number);
  if (major !== 1) return major < 1;
  if (minor !== 7) return minor < 7;
  return patch === 0 && !!match[4];
}

/** Creates the `totp` verifier unless a verifier of that type (or of that name) exists. */
export async function ensureDefaultVerifier(app: Application) {
  const repo = app.db.getRepository('verifiers');
  if (await repo.findOne({ filter: { $or: [{ verificationType: FACTOR_TYPES.totp }, { name: DEFAULT_TOTP_VERIFIER }] } })) return;
  await repo.create({
    values: { name: DEFAULT_TOTP_VERIFIER, title: 'Authenticator app', verificationType: FACTOR_TYPES.totp, options: {} },
  });
}

/** At install: the default verifier, unless an upgrade from before 1.7.0 leaves it to the migration. */
export async function installDefaultVerifier(app: Application) {
  if (olderThan1_7(await app.version.get())) return;
  await ensureDefaultVerifier(app);
}
