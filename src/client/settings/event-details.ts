/**
 * The audit log's Details column: one sentence per event, in the reader's language, with names
 * and local times — never the stored field names (the row's `detail` is the server's record).
 */
import { EVENT_TYPES } from '../../constants';
import { formatTime, joinSentences, reasonLabel, shownReasons } from '../shared/format';
import type { T } from '../shared/i18n';

export interface EventRow {
  type: string;
  detail?: Record<string, any> | null;
  /** The admin who acted (reset, unlock, per-user enforcement), appended by the server. */
  actor?: { id: number; nickname?: string | null; username?: string | null } | null;
}

/** Labels of the policy fields, as the Policy tab shows them. */
const FIELD_LABELS: Record<string, string> = {
  enforceForAll: 'Enforce 2FA for all users',
  enforcedRoles: 'Enforce for roles',
  verifiers: 'Offered verifiers',
  gracePeriodDays: 'Grace period',
  allowTrustedDevices: 'Allow "Trust this device"',
  trustedDeviceDays: 'Trust lasts',
  challengeTTL: 'Time to complete the second step',
  maxAttemptsPerChallenge: 'Wrong codes per sign-in',
  lockoutThreshold: 'Wrong codes before lockout',
  lockoutMinutes: 'Lockout window and duration',
  dailyFailureLimit: 'Wrong codes per day',
  messageSendsPerReceiverPerHour: 'Codes per address or phone number',
  messageSendsPerIpPerHour: 'Codes per IP address',
  messageSendsPerHour: 'Codes in all',
  messageReceiversPerUserPerDay: 'Addresses a user may try',
};

/** Where a code was given or a method set up, as a phrase. */
function where(t: T, d: Record<string, any>): string {
  if (d.stage === 'bind') return t('while setting up at sign-in');
  if (d.stage === 'verify') return t('at sign-in');
  switch (d.during) {
    case 'sign-in':
      return t('at sign-in');
    case 'self-service':
    case 'self-service bind':
      return t('in the personal center');
    case 'proof':
      return t('to confirm a change in the personal center');
    case 'verification page':
      return t('on the Verification page');
    case 'verification scene':
      return t('for another plugin’s verification');
    default:
      return '';
  }
}

const count = (t: T, n: number, one: string, other: string) => (n === 1 ? t(one) : t(other, { count: n }));

export function eventSentence(t: T, row: EventRow): string {
  const d = row.detail || {};
  const admin = row.actor ? row.actor.nickname || row.actor.username || `#${row.actor.id}` : t('An administrator');
  const time = (iso: unknown) => formatTime(typeof iso === 'string' ? iso : null);
  switch (row.type) {
    case EVENT_TYPES.challenge: {
      const reasons = shownReasons(Array.isArray(d.requiredBecause) ? d.requiredBecause : [])
        .map((r) => reasonLabel(t, r, 'admin'))
        .join(t(', '));
      const asked = d.stage === 'bind' ? t('Password accepted; asked to set up a method.') : t('Password accepted; asked for a second step.');
      return joinSentences(t, asked, reasons ? t('Required because: {{reasons}}.', { reasons }) : '');
    }
    case EVENT_TYPES.verified:
      return d.trustedDevice ? t('Signed in on a trusted device, without a code.') : t('Second step passed; signed in.');
    case EVENT_TYPES.failed: {
      const place = where(t, d);
      const base = d.reason === 'reused' ? t('A code that was already used was entered {{where}}.', { where: place }) : t('A wrong code was entered {{where}}.', { where: place });
      if (typeof d.attemptsLeft !== 'number') return base;
      const left = d.stage
        ? count(t, d.attemptsLeft, '1 attempt left on this sign-in.', '{{count}} attempts left on this sign-in.')
        : count(t, d.attemptsLeft, '1 attempt left before lockout.', '{{count}} attempts left before lockout.');
      return joinSentences(t, base, d.attemptsLeft === 0 ? t('No attempts left.') : left);
    }
    case EVENT_TYPES.locked: {
      const base = d.scope === 'proof' ? t('Locked out of confirming changes until {{time}}.', { time: time(d.until) }) : t('Locked out of two-factor sign-in until {{time}}.', { time: time(d.until) });
      return d.daily ? joinSentences(t, base, t('The daily limit of wrong codes was reached.')) : base;
    }
    case EVENT_TYPES.bound:
      return where(t, d) ? t('Method set up {{where}}.', { where: where(t, d) }) : t('Method set up.');
    case EVENT_TYPES.unbound:
      if (typeof d.key === 'string') {
        return joinSentences(t, t('Security key “{{name}}” removed.', { name: d.key }), typeof d.keysLeft === 'number' ? count(t, d.keysLeft, '1 key left.', '{{count}} keys left.') : '');
      }
      if (d.via === 'verifiers:unbind') return t('Method removed on the Verification page.');
      if (d.via === 'verifier deleted') return t('Method removed because an administrator deleted its verifier.');
      return t('Method removed in the personal center.');
    case EVENT_TYPES.skipped:
      return t('Setup postponed; allowed until {{time}}.', { time: time(d.skippableUntil) });
    case EVENT_TYPES.backupCodeUsed:
      return d.remaining === 0 ? t('No backup codes left.') : count(t, Number(d.remaining ?? 0), '1 backup code left.', '{{count}} backup codes left.');
    case EVENT_TYPES.backupCodesRegenerated:
      return d.during
        ? t('{{count}} backup codes came with the first method.', { count: d.count ?? 10 })
        : t('{{count}} new backup codes were generated; the old ones stopped working.', { count: d.count ?? 10 });
    case EVENT_TYPES.deviceTrusted:
      return count(t, Number(d.days ?? 0), 'This device is trusted for 1 day.', 'This device is trusted for {{count}} days.');
    case EVENT_TYPES.deviceRevoked:
      return d.all ? count(t, Number(d.count ?? 0), '1 trusted device was revoked (all of them).', 'All {{count}} trusted devices were revoked.') : t('A trusted device was revoked.');
    case EVENT_TYPES.newDeviceSignIn:
      return t('Signed in from a device not seen before: {{browser}}, {{network}}.', { browser: d.browser || '—', network: d.network || '—' });
    case EVENT_TYPES.adminReset: {
      const removed = Array.isArray(d.verifiers) ? d.verifiers.length : 0;
      return joinSentences(t, t('{{admin}} reset two-factor authentication.', { admin }), removed ? count(t, removed, '1 method removed.', '{{count}} methods removed.') : t('No method was set up.'));
    }
    case EVENT_TYPES.settingsChanged:
      if (d.unlocked) return t('{{admin}} lifted the lockout (it would have ended at {{time}}).', { admin, time: time(d.lockedUntil) });
      if (typeof d.enforced === 'boolean') {
        return d.enforced ? t('{{admin}} required two-factor authentication for this user.', { admin }) : t('{{admin}} stopped requiring two-factor authentication for this user.', { admin });
      }
      if (Array.isArray(d.changed)) {
        return t('Policy changed: {{fields}}.', { fields: d.changed.map((f: string) => (FIELD_LABELS[f] ? t(FIELD_LABELS[f]) : f)).join(t(', ')) });
      }
      return '';
    default:
      return '';
  }
}
