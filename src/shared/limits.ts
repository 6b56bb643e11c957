/**
 * Every numeric limit the plugin enforces, as plain data: the server validates with these and the
 * client draws its form ranges from the same numbers, so the two can't drift apart.
 */

/** Integer ranges of the policy fields (design §3). */
export const SETTINGS_RANGES = {
  gracePeriodDays: { min: 0, max: 90 },
  trustedDeviceDays: { min: 1, max: 365 },
  challengeTTL: { min: 30, max: 3600 },
  maxAttemptsPerChallenge: { min: 1, max: 20 },
  lockoutThreshold: { min: 3, max: 100 },
  lockoutMinutes: { min: 1, max: 1440 },
  dailyFailureLimit: { min: 3, max: 10000 },
  messageSendsPerReceiverPerHour: { min: 1, max: 100 },
  messageSendsPerIpPerHour: { min: 1, max: 100000 },
  messageSendsPerHour: { min: 1, max: 1000000 },
  messageReceiversPerUserPerDay: { min: 1, max: 20 },
} as const;

/** Name lists of the policy: how many entries, how long each. */
export const SETTINGS_LISTS = {
  enforcedRoles: { maxItems: 200, maxLength: 255 },
  verifiers: { maxItems: 100, maxLength: 255 },
} as const;

/** Options of a TOTP verifier. */
export const TOTP_LIMITS = {
  algorithms: ['SHA1', 'SHA256', 'SHA512'],
  digits: [6, 8],
  period: { min: 15, max: 120, default: 30 },
  window: { min: 0, max: 5, default: 1 },
  issuerMaxLength: 100,
} as const;

/** Options of an email-otp verifier. Message codes have at least 6 digits (design §5). */
export const EMAIL_OTP_LIMITS = {
  codeLength: { min: 6, max: 10, default: 6 },
  lifetime: { min: 60, max: 3600, default: 600 },
  resendInterval: { min: 10, max: 600, default: 60 },
  channelMaxLength: 255,
  subjectMaxLength: 200,
  bodyMaxLength: 5000,
} as const;

/** Codes of plugin-verification's sms-otp verifiers, made by our OTP engine. */
export const SMS_OTP_LIMITS = {
  codeLength: { min: 6, max: 10, default: 6 },
  lifetime: { min: 60, max: 3600, default: 300 },
  resendInterval: { min: 10, max: 600, default: 60 },
} as const;

/** Options of a webauthn verifier, and the names users give their keys. */
export const WEBAUTHN_LIMITS = {
  userVerification: ['discouraged', 'preferred', 'required'],
  timeout: { min: 10_000, max: 600_000, default: 60_000 },
  rpNameMaxLength: 100,
  rpIdMaxLength: 253,
  origins: { maxItems: 20, maxLength: 300 },
  keyName: { min: 1, max: 64 },
} as const;
