import backupCodes from './two-factor-backup-codes';
import challenges from './two-factor-challenges';
import events from './two-factor-events';
import otps from './two-factor-otps';
import seenDevices from './two-factor-seen-devices';
import settings from './two-factor-settings';
import totpSteps from './two-factor-totp-steps';
import trustedDevices from './two-factor-trusted-devices';
import userStates from './two-factor-user-states';
import webauthnCeremonies from './two-factor-webauthn-ceremonies';
import webauthnCredentials from './two-factor-webauthn-credentials';

export const collections = [settings, challenges, userStates, totpSteps, backupCodes, trustedDevices, otps, seenDevices, events, webauthnCredentials, webauthnCeremonies];

/** Collections that hold rows per user: emptied when a user is deleted, reached only through our actions. */
export const PER_USER_COLLECTIONS = [
  challenges.name,
  userStates.name,
  totpSteps.name,
  backupCodes.name,
  trustedDevices.name,
  otps.name,
  seenDevices.name,
  webauthnCredentials.name,
  webauthnCeremonies.name,
] as string[];
