/**
 * "Is this user required to use a second factor, and why?" — decided here and nowhere else.
 *
 * Required when: `enforceForAll` ("all"), one of the user's roles is enforced ("role:<name>"),
 * an admin enforced the user ("user"), or the user has bound an offered factor ("opt-in").
 */
import { UniqueConstraintError } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { COLLECTIONS, Stage } from '../constants';
import type { Settings } from './settings';
import type { VerifierDirectory, VerifierInfo } from './verifiers';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface UserState {
  enforced: boolean;
  firstRequiredAt: Date | null;
  lastVerifiedAt: Date | null;
}

export interface Decision {
  required: boolean;
  requiredBecause: string[];
  /** Verifiers offered by the policy (eligible and existing). */
  offered: VerifierInfo[];
  /** Names of offered verifiers the user has bound. */
  bound: string[];
  stage: Stage;
  state: UserState;
}

export class Policy {
  constructor(
    private readonly app: Application,
    private readonly verifiers: VerifierDirectory,
  ) {}

  private get states() {
    return this.app.db.getRepository(COLLECTIONS.userStates);
  }

  async state(userId: number | string): Promise<UserState> {
    const row: any = await this.states.findOne({ filterByTk: userId });
    return {
      enforced: !!row?.get('enforced'),
      firstRequiredAt: row?.get('firstRequiredAt') ? new Date(row.get('firstRequiredAt')) : null,
      lastVerifiedAt: row?.get('lastVerifiedAt') ? new Date(row.get('lastVerifiedAt')) : null,
    };
  }

  /** Single-statement upsert (UPDATE, else INSERT; a unique key settles races). */
  async updateState(userId: number | string, values: Partial<UserState>) {
    const model = this.app.db.getCollection(COLLECTIONS.userStates).model;
    const [count] = await model.update(values, { where: { userId } });
    if (count > 0) return;
    try {
      await model.create({ userId, ...values });
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
      await model.update(values, { where: { userId } });
    }
  }

  private async enforcedRolesOf(userId: number | string, roles: string[]): Promise<string[]> {
    if (!roles.length) return [];
    const rows = await this.app.db.getRepository('rolesUsers').find({
      filter: { userId, roleName: { $in: roles } },
    });
    const mine = new Set(rows.map((r: any) => r.get('roleName')));
    return roles.filter((r) => mine.has(r));
  }

  async decide(user: { id: number | string }, settings: Settings): Promise<Decision> {
    const offered = await this.verifiers.offered(settings);
    const [bound, roles, state] = await Promise.all([
      this.verifiers.boundNames(user.id, offered.map((v) => v.name)),
      this.enforcedRolesOf(user.id, settings.enforcedRoles),
      this.state(user.id),
    ]);
    const requiredBecause: string[] = [];
    if (settings.enforceForAll) requiredBecause.push('all');
    for (const role of roles) requiredBecause.push(`role:${role}`);
    if (state.enforced) requiredBecause.push('user');
    if (bound.length) requiredBecause.push('opt-in');
    return {
      required: requiredBecause.length > 0,
      requiredBecause,
      offered,
      bound,
      stage: bound.length ? 'verify' : 'bind',
      state,
    };
  }

  /** End of the grace period for an unbound required user, or null when binding cannot be postponed. */
  skippableUntil(decision: Decision, settings: Settings): Date | null {
    if (decision.stage !== 'bind' || settings.gracePeriodDays <= 0 || !decision.state.firstRequiredAt) return null;
    return new Date(decision.state.firstRequiredAt.getTime() + settings.gracePeriodDays * DAY_MS);
  }

  /** Records the first time a challenge found the user required and unbound; it never moves. */
  async markFirstRequired(userId: number | string, decision: Decision): Promise<Decision> {
    if (decision.stage !== 'bind' || decision.state.firstRequiredAt) return decision;
    const now = new Date();
    await this.updateState(userId, { firstRequiredAt: now });
    return { ...decision, state: { ...decision.state, firstRequiredAt: now } };
  }
}
