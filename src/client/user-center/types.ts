/** What twoFactorMe:get answers, and the dialogs the personal center opens. */
import type { CredentialView, VerifierView } from '../shared/api';

export interface DeviceView {
  id: number;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  current: boolean;
}

export interface MeView {
  required: boolean;
  requiredBecause: string[];
  verifiers: VerifierView[];
  backupCodes: { remaining: number };
  trustedDevices: DeviceView[];
}

export type Flow =
  | { kind: 'bind' | 'unbind'; verifier: VerifierView }
  /** One credential of a type that keeps several (a security key). */
  | { kind: 'removeCredential'; verifier: VerifierView; credential: CredentialView }
  | { kind: 'regenerate' };
