/** Factor types by name: ours, registered from `factors/index.ts`, and other plugins' as a fallback. */
import type { VerifierInfo } from '../verifiers';
import type { Factor } from './types';

export class FactorRegistry {
  private readonly factors = new Map<string, Factor>();

  /** `fallback` serves types we do not implement ourselves (other plugins' verification types). */
  constructor(private readonly fallback?: (type: string) => Factor | undefined) {}

  register(factor: Factor) {
    if (this.factors.has(factor.type)) throw new Error(`open2fa: factor type ${factor.type} is already registered`);
    this.factors.set(factor.type, factor);
  }

  /** Whether `type` is one of ours (else another plugin's type, served through the fallback). */
  isOwn(type: string): boolean {
    return this.factors.has(type);
  }

  /** Our own factor types. */
  own(): Factor[] {
    return [...this.factors.values()];
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
