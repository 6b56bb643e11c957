/** How values read on screen: times, titles, audit events, reasons, browsers, the app's paths. */
import type { HostApp as Application } from './host';
import { EVENT_TYPES } from '../../constants';
import { describeBrowser } from '../../shared/user-agent';
import type { T } from './i18n';

/** `2026-11-23 16:24` in the browser's time zone; a dash for nothing. */
export function formatTime(value?: string | null) {
  if (!value) return '—';
  const d = new Date(value);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `{{t("Admin")}}`-style titles of roles and verifiers, or plain text typed by an admin. */
export function titleOf(app: Application, t: T, title?: string | null) {
  if (!title) return '';
  const m = /^\{\{\s*t\(\s*["']([^"']+)["']\s*(?:,\s*\{\s*ns:\s*["']([^"']+)["']\s*\})?\s*\)\s*\}\}$/.exec(title);
  if (m) return app.i18n.t(m[1], { ns: m[2] ? [m[2], 'client'] : ['client'] });
  return t(title);
}

/** The app's public path, ending in "/". */
export function publicPath(app: Application) {
  return String(app.getPublicPath?.() || '/').replace(/\/?$/, '/');
}

/** Audit event types in words (translated where shown). */
export const EVENT_LABELS: Record<string, string> = {
  [EVENT_TYPES.challenge]: 'Sign-in challenge',
  [EVENT_TYPES.verified]: 'Verified',
  [EVENT_TYPES.failed]: 'Wrong code',
  [EVENT_TYPES.locked]: 'Locked out',
  [EVENT_TYPES.bound]: 'Method added',
  [EVENT_TYPES.unbound]: 'Method removed',
  [EVENT_TYPES.skipped]: 'Setup postponed',
  [EVENT_TYPES.backupCodeUsed]: 'Backup code used',
  [EVENT_TYPES.backupCodesRegenerated]: 'New backup codes',
  [EVENT_TYPES.deviceTrusted]: 'Device trusted',
  [EVENT_TYPES.deviceRevoked]: 'Device revoked',
  [EVENT_TYPES.newDeviceSignIn]: 'New device sign-in',
  [EVENT_TYPES.adminReset]: 'Reset by an administrator',
  [EVENT_TYPES.settingsChanged]: 'Settings changed',
};

export const EVENT_COLORS: Record<string, string> = {
  [EVENT_TYPES.verified]: 'success',
  [EVENT_TYPES.failed]: 'error',
  [EVENT_TYPES.locked]: 'error',
  [EVENT_TYPES.adminReset]: 'warning',
  [EVENT_TYPES.bound]: 'processing',
  [EVENT_TYPES.unbound]: 'warning',
  [EVENT_TYPES.backupCodeUsed]: 'warning',
  [EVENT_TYPES.newDeviceSignIn]: 'purple',
  [EVENT_TYPES.settingsChanged]: 'default',
};

/**
 * One entry of `requiredBecause` ("all", "role:<name>", "user", "opt-in") in words, for the admin
 * ("Set for this user") or for the user themselves ("Set for you by an administrator").
 */
export function reasonLabel(t: T, reason: string, reader: 'admin' | 'self'): string {
  if (reason === 'all') return t('All users');
  if (reason === 'user') return reader === 'admin' ? t('Set for this user') : t('Set for you by an administrator');
  if (reason === 'opt-in') return t('Opted in');
  return t('Role: {{role}}', { role: reason.replace(/^role:/, '') });
}

/**
 * The reasons worth showing: "opt-in" only when nothing else requires the user (someone who set up
 * a method under "enforce for all" did not opt in to anything).
 */
export function shownReasons(reasons: string[]): string[] {
  const others = reasons.filter((r) => r !== 'opt-in');
  return others.length ? others : reasons;
}

/** Sentences one after the other, as the language writes them (a space in English, none in Chinese). */
export function joinSentences(t: T, ...parts: (string | null | undefined)[]): string {
  return (parts.filter(Boolean) as string[]).reduce((all, next) => (all ? t('{{first}} {{second}}', { first: all, second: next }) : next), '');
}

/** "Chrome · Windows" from a user agent; a dash for none. */
export function describeAgent(userAgent: string | null | undefined): string {
  return userAgent ? describeBrowser(userAgent, ' · ') : '—';
}
