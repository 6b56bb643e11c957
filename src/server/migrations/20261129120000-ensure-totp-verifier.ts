/**
 * The default `totp` verifier, for apps upgraded from a NocoBase older than 1.7.0: there install()
 * runs before plugin-verification's afterLoad migration (which copies the old `verificators` only
 * into an empty `verifiers` table), so install() leaves it to this migration, which runs after.
 * Idempotent: nothing happens when a verifier of the type exists.
 */
import { Migration } from '@nocobase/server';
import type { PluginTwoFactorAuthServer } from '../plugin';

export default class EnsureTotpVerifier extends Migration {
  on = 'afterLoad';

  async up() {
    await (this.plugin as PluginTwoFactorAuthServer).ensureDefaultVerifier();
  }
}
