/**
 * The default `totp` verifier, for apps upgraded from a NocoBase older than 1.7.0 (see
 * default-verifier.ts): this runs after plugin-verification's own afterLoad migration.
 * Idempotent: nothing happens when a verifier of the type exists.
 */
import { Migration } from '@nocobase/server';
import { ensureDefaultVerifier } from '../default-verifier';

export default class EnsureTotpVerifier extends Migration {
  on = 'afterLoad';

  async up() {
    await ensureDefaultVerifier(this.app);
  }
}
