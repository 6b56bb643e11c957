/** What twoFactorSettings:get answers: the policy, and the names the form may choose from. */
import type { Settings } from '../../shared/settings';

export interface Choice {
  name: string;
  title: string;
  verificationType?: string;
}

export interface SettingsView extends Settings {
  enforcementDisabledByEnv: boolean;
  /** No eligible verifier is offered: required users cannot sign in. */
  nothingOffered?: boolean;
  choices: { verifiers: Choice[]; roles: Choice[] };
}
