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
  /** What a factor with `answer: 'credential'` takes instead of a code (WebAuthn: the browser's answer, parsed). */
  credential?: unknown;
  /** The name the user gave a new credential (WebAuthn keys). */
  label?: string;
}

/** A code check. `step` asks the flow to claim a one-time step (TOTP) before accepting. */
export type CodeCheck =
  | {
      ok: false;
      reused?: boolean;
      /** Why, for the `failed` audit row (e.g. `possible_clone`). */
      reason?: string;
      /** What the refusal tells the client besides `attemptsLeft` (its `reason`), e.g. `key_not_accepted`. */
      refusal?: string;
    }
  | { ok: true; step?: number; afterSuccess?: () => Promise<void> };

export interface BindingData {
  uuid: string;
  meta: Record<string, unknown>;
  /**
   * Factors with several credentials per binding (WebAuthn): stores the new credential, in the
   * transaction that creates the binding, or alone when the binding exists already (`fresh: false`).
   */
  store?: (options: { fresh: boolean; transaction: unknown }) => Promise<void>;
  /** The new credential's name, for the audit row and the notice. */
  label?: string;
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
  /** What `bind`/`verify` take: a `code` (default) or a `credential` (WebAuthn). */
  answer?: 'code' | 'credential';
  /** Stage `verify`: prepare what the browser must answer (WebAuthn: the assertion options). */
  verifyStart?(input: FactorInput): Promise<Record<string, unknown>>;
  /** More credentials may be added to an existing binding (`twoFactorMe:bindStart`/`bind`). */
  multiple?: boolean;
  /** Extra fields of the user's own view of a bound verifier (`twoFactorMe:get`). */
  ownerDetails?(deps: FactorDeps, userId: number | string, verifier: VerifierInfo): Promise<Record<string, unknown>>;
  /** The binding of `verifier` went (removed, reset, verifier deleted): what belonged to it goes too. */
  unbound?(deps: FactorDeps, userId: number | string, verifier: string | null, transaction?: unknown): Promise<void>;
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
