/** The plugin's modules, built once in load() and handed to actions and the guard. */
import type { Application } from '@nocobase/server';
import type { Attempts } from './attempts';
import type { Audit } from './audit';
import type { BackupCodes } from './factors/backup-codes';
import type { Challenges } from './challenge';
import type { SecretBox } from './crypto';
import type { OtpEngine } from './factors/otp/engine';
import type { FactorRegistry } from './factors/types';
import type { Notices } from './notices';
import type { Policy } from './policy';
import type { SettingsStore } from './settings';
import type { TrustedDevices } from './trusted-devices';
import type { VerifierDirectory } from './verifiers';

export interface Services {
  app: Application;
  box: SecretBox;
  settings: SettingsStore;
  verifiers: VerifierDirectory;
  policy: Policy;
  challenges: Challenges;
  attempts: Attempts;
  audit: Audit;
  factors: FactorRegistry;
  backupCodes: BackupCodes;
  devices: TrustedDevices;
  otps: OtpEngine;
  notices: Notices;
}
