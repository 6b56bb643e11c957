/** The plugin's modules, built once in load() in dependency order and handed to flows and actions. */
import type { Application } from '@nocobase/server';
import { PLUGIN_SYMBOL } from '../constants';
import { Attempts } from './attempts';
import { Audit } from './audit';
import { BackupCodes } from './backup-codes';
import { Challenges } from './challenge';
import type { SecretBox } from './crypto';
import type { KeyInfo } from './encryption-key';
import { emailChannelOf } from './factors/message-otp/email';
import { OtpEngine } from './factors/message-otp/engine';
import type { FactorRegistry } from './factors/registry';
import { Notices } from './notices';
import { Policy } from './policy';
import { SettingsStore } from './settings';
import { TrustedDevices } from './trusted-devices';
import { VerifierDirectory } from './verifiers';

export interface Services {
  app: Application;
  box: SecretBox;
  /** Where the key came from, for the admin tab (encryption-key.ts). */
  keyInfo: KeyInfo;
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

/** `factors` comes from `factors/index.ts` (whose verification classes find these services back through `servicesOf`). */
export async function createServices(
  app: Application,
  verifiers: VerifierDirectory,
  factors: FactorRegistry,
  box: SecretBox,
  keyInfo: KeyInfo,
): Promise<Services> {
  const audit = new Audit(app);
  // Modules that keep secrets read the key through the bag, so a key change applies everywhere.
  const services = { app, box, keyInfo } as Services;
  const currentBox = () => services.box;
  const settings = new SettingsStore(app);
  return Object.assign(services, {
    settings,
    verifiers,
    policy: new Policy(app, verifiers),
    challenges: new Challenges(app),
    attempts: await Attempts.create(app),
    audit,
    factors,
    backupCodes: new BackupCodes(app, currentBox),
    // Trusts end by the current policy's trustedDeviceDays (F8).
    devices: new TrustedDevices(app, currentBox, async () => (await settings.get()).trustedDeviceDays),
    otps: new OtpEngine(app, currentBox),
    notices: new Notices(app, audit, () => emailChannelOf(verifiers)),
  });
}

/** The plugin's services from an app: for classes plugin-verification instantiates, and the CLI. */
export function servicesOf(app: Application): Services {
  const services = (app as any)?.[PLUGIN_SYMBOL]?.services;
  if (!services) throw new Error('open2fa: the two-factor plugin is not loaded in this app');
  return services;
}
