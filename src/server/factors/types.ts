/**
 * What a factor type implements to take part in our flows. The shared flow (actions) does the
 * rest: challenge, lock, attempts, replay claim, consuming the challenge, audit, session.
 */
import type { Model } from '@nocobase/database';
import type { ChallengeRecord } from '../challenge';
import type { Services } from '../services';
import type { VerifierInfo } from '../verifiers';

export interface FactorInput {
  services: Services;
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
}

export class FactorRegistry {
  private readonly factors = new Map<string, Factor>();

  /** `fallback` serves types we do not implement ourselves (other plugins' verification types). */
  constructor(private readonly fallback?: (type: string) => Factor | undefined) {}

  register(factor: Factor) {
    if (this.factors.has(factor.type)) throw new Error(`open2fa: factor type ${factor.type} is already registered`);
    this.factors.set(factor.type, factor);
  }

  get(type: string): Factor | undefined {
    return this.factors.get(type) ?? this.fallback?.(type);
  }

  /** Digits per code of a verifier, when its factor knows. */
  codeLength(verifier: VerifierInfo): number | null {
    return this.get(verifier.verificationType)?.codeLength?.(verifier) ?? null;
  }

  /** The verifier named `name` among `verifiers`, with its factor; null when either is missing. */
  pick(verifiers: VerifierInfo[], name: string): { verifier: VerifierInfo; factor: Factor } | null {
    const verifier = verifiers.find((v) => v.name === name);
    const factor = verifier && this.get(verifier.verificationType);
    return verifier && factor ? { verifier, factor } : null;
  }
}
