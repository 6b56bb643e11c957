/**
 * Which verifiers exist, which are eligible for 2FA (their type passes the `two-factor` scene rule:
 * every `bindingRequired` type), which are offered (the policy's list), and which a user has bound.
 * Bindings live in plugin-verification's `usersVerifiers`, whatever the type.
 */
import type { Application } from '@nocobase/server';
import type { VerificationManager } from '@nocobase/plugin-verification';
import { SCENE } from '../constants';
import type { Settings } from './settings';

const VERIFIERS_CACHE_KEY = 'open2fa:verifiers';
const VERIFIERS_CACHE_TTL_MS = 5 * 60_000;

export interface VerifierInfo {
  name: string;
  title: string;
  verificationType: string;
  options: Record<string, any>;
}

export class VerifierDirectory {
  constructor(
    private readonly app: Application,
    private readonly manager: VerificationManager,
  ) {}

  eligibleTypes(): Set<string> {
    return new Set(this.manager.getVerificationTypesByScene(SCENE).map((t: { type: string }) => t.type));
  }

  isEligibleType(type: string) {
    return this.eligibleTypes().has(type);
  }

  /**
   * Every verifier of an eligible type, from the app cache (shared by all instances with Redis),
   * so a sign-in does not read the `verifiers` table. Saving or deleting a verifier clears it.
   */
  async eligibleVerifiers(): Promise<VerifierInfo[]> {
    const all = await this.app.cache.wrap(
      VERIFIERS_CACHE_KEY,
      async () => {
        const rows = await this.app.db.getRepository('verifiers').find();
        return rows.map((r: any) => ({
          name: r.get('name'),
          title: r.get('title'),
          verificationType: r.get('verificationType'),
          options: r.get('options') || {},
        }));
      },
      VERIFIERS_CACHE_TTL_MS,
    );
    const eligible = this.eligibleTypes();
    return (all as VerifierInfo[]).filter((v) => eligible.has(v.verificationType));
  }

  async invalidate() {
    await this.app.cache.del(VERIFIERS_CACHE_KEY);
  }

  /** Verifiers offered for 2FA by the policy, in the policy's order; unknown or ineligible names are dropped. */
  async offered(settings: Settings): Promise<VerifierInfo[]> {
    const list = await this.eligibleVerifiers();
    if (!settings.verifiers.length) return list;
    const byName = new Map(list.map((v) => [v.name, v]));
    return settings.verifiers.map((n) => byName.get(n)).filter((v): v is VerifierInfo => !!v);
  }

  /** Names among `names` that the user has bound. */
  async boundNames(userId: number | string, names: string[]): Promise<string[]> {
    if (!names.length) return [];
    const rows = await this.app.db.getRepository('usersVerifiers').find({
      filter: { userId, verifier: { $in: names } },
      fields: ['verifier'],
    });
    return rows.map((r: any) => r.get('verifier'));
  }

  async findBinding(userId: number | string, verifier: string) {
    return this.app.db.getRepository('usersVerifiers').findOne({ filter: { userId, verifier } });
  }

  /** The public view of offered verifiers for one user: bound or not, with masked bound info. */
  async describe(ctx: unknown, offered: VerifierInfo[], bound: string[], userId: number | string, codeLength?: (v: VerifierInfo) => number | null) {
    return Promise.all(
      offered.map(async (v) => {
        const isBound = bound.includes(v.name);
        return {
          name: v.name,
          title: v.title,
          verificationType: v.verificationType,
          bound: isBound,
          boundInfo: isBound ? await this.publicBoundInfo(ctx, v, userId) : null,
          codeLength: codeLength?.(v) ?? null,
        };
      }),
    );
  }

  /** What the verification type itself says is safe to show (e.g. a masked phone number). */
  private async publicBoundInfo(ctx: unknown, v: VerifierInfo, userId: number | string) {
    try {
      const VerificationClass = this.manager.getVerification(v.verificationType);
      const verification = new VerificationClass({ ctx, verifier: v, options: v.options });
      const info = await verification.getPublicBoundInfo(userId as number);
      return info?.publicInfo ?? null;
    } catch {
      return null;
    }
  }
}
