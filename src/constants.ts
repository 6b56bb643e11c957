/** Every public name of the plugin, spelled once. Tests import these too. */
export const PACKAGE_NAME = '@open2fa/plugin-two-factor-auth';
/** i18n namespace = package name (design §1). */
export const NAMESPACE = PACKAGE_NAME;

export const SCENE = 'two-factor';
/** Where the plugin instance hangs on its app, for code bundled apart (CLI commands). */
export const PLUGIN_SYMBOL = Symbol.for('open2fa.plugin');
export const ACL_SNIPPET = 'pm.auth.two-factor';
/** NocoBase's password authenticator type: the only one we gate. */
export const PASSWORD_AUTH_TYPE = 'Email/Password';

export const HEADER_CHALLENGE = 'X-Two-Factor-Token';

export const RESOURCES = {
  twoFactor: 'twoFactor',
  settings: 'twoFactorSettings',
  me: 'twoFactorMe',
  users: 'twoFactorUsers',
  events: 'twoFactorEvents',
} as const;

export const COLLECTIONS = {
  settings: 'twoFactorSettings',
  challenges: 'twoFactorChallenges',
  userStates: 'twoFactorUserStates',
  totpSteps: 'twoFactorTotpSteps',
  backupCodes: 'twoFactorBackupCodes',
  otps: 'twoFactorOtps',
  seenDevices: 'twoFactorSeenDevices',
  trustedDevices: 'twoFactorTrustedDevices',
  events: 'twoFactorEvents',
  webauthnCredentials: 'twoFactorWebauthnCredentials',
  webauthnCeremonies: 'twoFactorWebauthnCeremonies',
} as const;

/** Trusted-device cookie: `nb_2fa_device_<appName>` (design §5). */
export const DEVICE_COOKIE_PREFIX = 'nb_2fa_device_';

export const FACTOR_TYPES = {
  totp: 'totp',
  emailOtp: 'email-otp',
  /** plugin-verification's own SMS type, driven through our OTP engine. */
  smsOtp: 'sms-otp',
  /** Security keys and passkeys. */
  webauthn: 'webauthn',
} as const;

/** The verifier created on install. */
export const DEFAULT_TOTP_VERIFIER = 'totp';

export type Stage = 'verify' | 'bind';

export const ERROR_CODES = {
  BAD_REQUEST: 'TWO_FACTOR_BAD_REQUEST',
  CHALLENGE_REQUIRED: 'TWO_FACTOR_CHALLENGE_REQUIRED',
  CHALLENGE_INVALID: 'TWO_FACTOR_CHALLENGE_INVALID',
  INVALID_CODE: 'TWO_FACTOR_INVALID_CODE',
  CODE_REUSED: 'TWO_FACTOR_CODE_REUSED',
  LOCKED: 'TWO_FACTOR_LOCKED',
  THROTTLED: 'TWO_FACTOR_THROTTLED',
  VERIFIER_NOT_ALLOWED: 'TWO_FACTOR_VERIFIER_NOT_ALLOWED',
  NOT_BOUND: 'TWO_FACTOR_NOT_BOUND',
  ALREADY_BOUND: 'TWO_FACTOR_ALREADY_BOUND',
  BIND_EXPIRED: 'TWO_FACTOR_BIND_EXPIRED',
  REAUTH_REQUIRED: 'TWO_FACTOR_REAUTH_REQUIRED',
  LAST_FACTOR: 'TWO_FACTOR_LAST_FACTOR',
  SKIP_NOT_ALLOWED: 'TWO_FACTOR_SKIP_NOT_ALLOWED',
  ORPHANS_USERS: 'TWO_FACTOR_ORPHANS_USERS',
  USE_TWO_FACTOR_PAGE: 'TWO_FACTOR_USE_TWO_FACTOR_PAGE',
  UNTRUSTED_ORIGIN: 'TWO_FACTOR_UNTRUSTED_ORIGIN',
  NO_PERMISSION: 'TWO_FACTOR_NO_PERMISSION',
  VERIFIER_IN_USE: 'TWO_FACTOR_VERIFIER_IN_USE',
  NOTHING_OFFERED: 'TWO_FACTOR_NOTHING_OFFERED',
  UNAVAILABLE: 'TWO_FACTOR_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Audit event types (design §9). */
export const EVENT_TYPES = {
  challenge: 'challenge',
  verified: 'verified',
  failed: 'failed',
  locked: 'locked',
  bound: 'bound',
  unbound: 'unbound',
  skipped: 'skipped',
  backupCodeUsed: 'backup_code_used',
  backupCodesRegenerated: 'backup_codes_regenerated',
  deviceTrusted: 'device_trusted',
  deviceRevoked: 'device_revoked',
  newDeviceSignIn: 'new_device_sign_in',
  adminReset: 'admin_reset',
  settingsChanged: 'settings_changed',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];
