/** The policy row of design §3 as both sides see it (the server adds storage; the client a form). */

export interface Settings {
  enforceForAll: boolean;
  enforcedRoles: string[];
  verifiers: string[];
  gracePeriodDays: number;
  allowTrustedDevices: boolean;
  trustedDeviceDays: number;
  challengeTTL: number;
  maxAttemptsPerChallenge: number;
  lockoutThreshold: number;
  lockoutMinutes: number;
  dailyFailureLimit: number;
  messageSendsPerReceiverPerHour: number;
  messageSendsPerIpPerHour: number;
  messageSendsPerHour: number;
  messageReceiversPerUserPerDay: number;
}

/** The policy fields, in the order the admin form shows them. */
export const SETTINGS_FIELDS = [
  'enforceForAll',
  'enforcedRoles',
  'verifiers',
  'gracePeriodDays',
  'allowTrustedDevices',
  'trustedDeviceDays',
  'challengeTTL',
  'maxAttemptsPerChallenge',
  'lockoutThreshold',
  'lockoutMinutes',
  'dailyFailureLimit',
  'messageSendsPerReceiverPerHour',
  'messageSendsPerIpPerHour',
  'messageSendsPerHour',
  'messageReceiversPerUserPerDay',
] as const satisfies readonly (keyof Settings)[];
