/** What twoFactorSettings:get answers: the policy, and the names the form may choose from. */
import type { Settings } from '../../shared/settings';

export interface Choice {
  name: string;
  title: string;
  verificationType?: string;
}

export interface SettingsView extends Settings {
  enforcementDisabledByEnv: boolean;
  /** Where the key sealing 2FA secrets comes from; `weakKey`: a refused placeholder or short key still read for old data. */
  keySource?: 'TWO_FACTOR_ENCRYPTION_KEY' | 'APP_KEY' | 'key file';
  weakKey?: 'TWO_FACTOR_ENCRYPTION_KEY' | 'APP_KEY' | null;
  /** No eligible verifier is offered: required users cannot sign in. */
  nothingOffered?: boolean;
  /** Cluster mode with a cache per process: counters and limits are per instance. */
  clusterWithoutSharedCache?: boolean;
  choices: { verifiers: Choice[]; roles: Choice[] };
}
