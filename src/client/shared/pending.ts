/**
 * What travels between the sign-in page and /2fa in sessionStorage (never localStorage: the
 * challenge dies with the tab): the pending challenge, and a message for the sign-in page.
 */
import type { Stage } from '../../constants';

const PENDING_KEY = 'open2fa:pending';
const FLASH_KEY = 'open2fa:flash';

export interface Pending {
  token: string;
  stage: Stage;
  expiresAt: string;
  skippableUntil: string | null;
  authenticator: string;
}

export function readPending(): Pending | null {
  try {
    const raw = sessionStorage.getItem(PENDING_KEY);
    return raw ? (JSON.parse(raw) as Pending) : null;
  } catch {
    return null;
  }
}

export function writePending(pending: Pending) {
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
}

export function clearPending() {
  sessionStorage.removeItem(PENDING_KEY);
}

/** A message to show once on the next page (why /2fa sent the user back to sign in). */
export function leaveFlash(text: string) {
  sessionStorage.setItem(FLASH_KEY, text);
}

export function takeFlash(): string | null {
  const text = sessionStorage.getItem(FLASH_KEY);
  if (text) sessionStorage.removeItem(FLASH_KEY);
  return text;
}
