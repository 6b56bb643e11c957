/**
 * What a factor type implements to take part in our flows. The shared flows (`flows/`) do the
 * rest: challenge, lock, attempts, replay claim, consuming the challenge, audit, session.
 */
import type { Model } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import type { ChallengeRecord, Challenges } from '../challenge';
import type { SecretBox } from '../crypto';
import type { VerifierDirectory, VerifierInfo } from '../verifiers';
import type { OtpEngine } from './message-otp/engine';

/** The few modules a factor may use: the key, the OTP engine, pending secrets, bindings. */
export interface FactorDeps {
  app: Application;
  box: SecretBox;
  otps: OtpEngine;
  challenges: Pick<Challenges, 'setPending'>;
  verifiers: Pick<VerifierDirectory, 'findBinding'>;
}

export interface FactorInput {
  deps: FactorDeps;
  ctx: any;
  user: Model;
  verifier: VerifierInfo;
  /** The sign-in challenge, or the enrolment row of a signed-in user; absent for proofs. */
  challenge?: ChallengeRecord;
  /** The user's binding `meta` for this verifier when the caller has already read it. */
  bindingMeta?: Record<string, unknown>;
}

/** A code check. `step` asks the flow to claim a one-time step (TOTP) before accepting. */
export type CodeCheck = { ok: false; reused?: boolean } | { ok: true; step?: number; afterSuccess?: () => Promise<void> };

export interface BindingData {
  uuid: string;
  meta: Record<string, unknown>;
}

export interface Factor {
  type: string;
  /** Stage `bind`: prepare a pending binding and say what the user needs (secret, QR…). */
  bindStart(input: FactorInput, values: { uuid?: string }): Promise<Record<string, unknown>>;
  /** Stage `bind`: check the code against the pending binding; on success, what to store. */
  bindCheck(input: FactorInput, code: string): Promise<CodeCheck & { binding?: BindingData }>;
  /** Stage `verify`: check the code against the user's binding. */
  verifyCheck(input: FactorInput, code: string): Promise<CodeCheck>;
  /** Digits per code, so a form can submit on the last one; null when unknown. */
  codeLength?(verifier: VerifierInfo): number | null;
  /** Message-based factors: send a code to the bound receiver (`twoFactor:sendCode`). */
  sendCode?(input: FactorInput): Promise<{ expiresAt: string; resendAfter: string }>;
  /** Codes that travel by message can't prove presence in self-service: they may belong to a sign-in. */
  byMessage?: boolean;
}

/**
 * One factor type, as its folder exports it. `plugin.ts` registers every descriptor of
 * `factors/index.ts` in one loop: with plugin-verification (when `verification` is given), in our
 * factor registry, and with the verifier-options check.
 */
export interface FactorDescriptor {
  type: string;
  /** Shown under Settings → Verification (translation keys of our namespace). */
  title?: string;
  description?: string;
  /** plugin-verification's class for the type; absent when plugin-verification ships the type. */
  verification?: any;
  factor: Factor;
  /** Problems with a verifier's options, as `[field, reason]` pairs (checked when a verifier is saved). */
  optionProblems?: (options: unknown) => [string, string][];
}
