/**
 * "Is this user required to use a second factor, and why?" — decided here and nowhere else.
 *
 * Required when: `enforceForAll` ("all"), one of the user's roles is enforced ("role:<name>"; roles
 * as the ACL counts them, departments included),
 * an admin enforced the user ("user"), or the user has bound an offered factor ("opt-in"; while
 * nothing is offered, any eligible factor).
 */
import { Op, UniqueConstraintError } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import { COLLECTIONS, Stage } from '../constants';
import { Answer, answerBoolean, answerDate, answerObject, UserRead } from './one-read';
import type { Settings } from './settings';
import type { VerifierDirectory, VerifierInfo } from './verifiers';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Raw rows carry dates as Date (PostgreSQL, MySQL) or as text (SQLite). */
function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value as string);
  return Number.isNaN(date.getTime()) ? null : date;
}

export interface UserState {
  enforced: boolean;
  firstRequiredAt: Date | null;
  lastVerifiedAt: Date | null;
  /** The user has a state row (else `updateState` inserts it). */
  stored?: boolean;
}

interface StateAndBindings {
  state: UserState;
  bound: string[];
  bindingMeta: Record<string, Record<string, unknown>>;
}

export interface Decision {
  required: boolean;
  requiredBecause: string[];
  /** Verifiers offered by the policy (eligible and existing). */
  offered: VerifierInfo[];
  /** Names of offered verifiers the user has bound. */
  bound: string[];
  /** The stored `meta` of each of those bindings, read in the same statement. */
  bindingMeta: Record<string, Record<string, unknown>>;
  stage: Stage;
  state: UserState;
}

export class Policy {
  constructor(
    private readonly app: Application,
    private readonly verifiers: VerifierDirectory,
  ) {}

  /**
   * Single-statement upsert (UPDATE, else INSERT; a unique key settles races). `stored: false`
   * (the caller just read that there is no row) goes straight to the INSERT.
   */
  async updateState(userId: number | string, values: Partial<Omit<UserState, 'stored'>> & { pendingBackupCodes?: string | null }, stored?: boolean) {
    const model = this.app.db.getCollection(COLLECTIONS.userStates).model;
    if (stored !== false) {
      const [count] = await model.update(values, { where: { userId } });
      if (count > 0) return;
    }
    try {
      await model.create({ userId, ...values });
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
      await model.update(values, { where: { userId } });
    }
  }

  /** Makes sure the user has a state row (factor changes lock it). */
  async ensureState(userId: number | string) {
    const model = this.app.db.getCollection(COLLECTIONS.userStates).model;
    if (await model.count({ where: { userId } })) return;
    try {
      await model.create({ userId });
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
    }
  }

  /**
   * Whether the user may remove the bound verifier `name`, leaving `remainingOffered` (offered
   * factors still bound): not when it is the last one and something other than opting in requires 2FA.
   */
  canRemove(decision: Decision, name: string, remainingOffered: string[]): boolean {
    const othersRequire = decision.requiredBecause.some((r) => r !== 'opt-in');
    const offered = decision.offered.some((v) => v.name === name);
    return !(othersRequire && offered && remainingOffered.length === 0);
  }

  /**
   * (userId, roleName) pairs as the ACL counts them: direct roles (`rolesUsers`), plus, while
   * plugin-departments is enabled, the roles of the departments a user belongs to directly (its
   * middleware attaches those at request time; sub-departments inherit nothing). One statement.
   */
  private async roleHolders(where: { userId?: number | string; roles?: string[] }): Promise<Array<{ userId: string; roleName: string }>> {
    if (where.roles && !where.roles.length) return [];
    const db = this.app.db;
    const q = (name: string) => db.sequelize.getQueryInterface().quoteIdentifier(name);
    const col = (collection: any, attribute: string) => q((collection.model.rawAttributes[attribute] as any)?.field || attribute);
    const direct = db.getCollection('rolesUsers');
    const conditions = (userCol: string, roleCol: string) =>
      [where.userId !== undefined ? `${userCol} = :userId` : '', where.roles ? `${roleCol} IN (:roles)` : ''].filter(Boolean);
    const whereSql = (parts: string[]) => (parts.length ? ` WHERE ${parts.join(' AND ')}` : '');
    const parts = [
      `SELECT ${col(direct, 'userId')} AS ${q('userId')}, ${col(direct, 'roleName')} AS ${q('roleName')} FROM ${direct.quotedTableName()}` +
        whereSql(conditions(col(direct, 'userId'), col(direct, 'roleName'))),
    ];
    const members = db.getCollection('departmentsUsers');
    const granted = db.getCollection('departmentsRoles');
    if (members && granted) {
      const m = (a: string) => `m.${col(members, a)}`;
      const g = (a: string) => `g.${col(granted, a)}`;
      parts.push(
        `SELECT ${m('userId')}, ${g('roleName')} FROM ${members.quotedTableName()} m ` +
          `JOIN ${granted.quotedTableName()} g ON ${g('departmentId')} = ${m('departmentId')}` +
          whereSql(conditions(m('userId'), g('roleName'))),
      );
    }
    const rows: any[] = await db.sequelize.query(parts.join(' UNION '), {
      type: 'SELECT',
      replacements: { userId: where.userId ?? null, roles: where.roles ?? [] },
    });
    return rows.map((r) => ({ userId: String(r.userId), roleName: String(r.roleName) }));
  }

  /** Every role the user holds, as the ACL counts them (direct and through departments). */
  async rolesOf(userId: number | string): Promise<string[]> {
    return [...new Set((await this.roleHolders({ userId })).map((r) => r.roleName))];
  }

  private async enforcedRolesOf(userId: number | string, roles: string[]): Promise<string[]> {
    if (!roles.length) return [];
    const mine = new Set((await this.roleHolders({ userId, roles })).map((r) => r.roleName));
    return roles.filter((r) => mine.has(r));
  }

  /**
   * The user's state row and which of `names` they have bound, in ONE statement (two primary-key /
   * index lookups joined by UNION ALL): every password sign-in runs this, also for users who never
   * touch 2FA, so it costs one indexed read besides the cached settings (design §12).
   */
  async stateAndBindings(userId: number | string, names: string[]): Promise<StateAndBindings> {
    const db = this.app.db;
    const states = db.getCollection(COLLECTIONS.userStates);
    const bindings = db.getCollection('usersVerifiers');
    const q = (name: string) => db.sequelize.getQueryInterface().quoteIdentifier(name);
    const col = (collection: typeof states, attribute: string) => q((collection.model.rawAttributes[attribute] as any)?.field || attribute);
    const parts = [
      `SELECT 'state' AS ${q('kind')}, NULL AS ${q('verifier')}, NULL AS ${q('meta')}, ${col(states, 'enforced')} AS ${q('enforced')}, ` +
        `${col(states, 'firstRequiredAt')} AS ${q('firstRequiredAt')}, ${col(states, 'lastVerifiedAt')} AS ${q('lastVerifiedAt')} ` +
        `FROM ${states.quotedTableName()} WHERE ${col(states, 'userId')} = :userId`,
    ];
    if (names.length) {
      parts.push(
        `SELECT 'bound', ${col(bindings, 'verifier')}, ${col(bindings, 'meta')}, NULL, NULL, NULL FROM ${bindings.quotedTableName()} ` +
          `WHERE ${col(bindings, 'userId')} = :userId AND ${col(bindings, 'verifier')} IN (:names)`,
      );
    }
    const rows: any[] = await db.sequelize.query(parts.join(' UNION ALL '), {
      type: 'SELECT', // QueryTypes.SELECT: plain rows
      replacements: { userId, names },
    });
    const row = rows.find((r) => r.kind === 'state');
    return {
      state: {
        enforced: row ? row.enforced === true || Number(row.enforced) === 1 : false,
        firstRequiredAt: toDate(row?.firstRequiredAt),
        lastVerifiedAt: toDate(row?.lastVerifiedAt),
        stored: !!row,
      },
      bound: rows.filter((r) => r.kind === 'bound').map((r) => String(r.verifier)),
      bindingMeta: Object.fromEntries(rows.filter((r) => r.kind === 'bound').map((r) => [String(r.verifier), answerObject(r.meta)])),
    };
  }

  /**
   * Verifiers whose bindings count as opting in: the offered ones; while nothing is offered (every
   * offered verifier deleted, or its type's plugin disabled: a broken setup, not an admin's choice
   * of other methods), every eligible one, so opted-in users are not silently released.
   */
  private async optInNames(offered: VerifierInfo[]): Promise<string[]> {
    const list = offered.length ? offered : await this.verifiers.eligibleVerifiers();
    return list.map((v) => v.name);
  }

  async decide(user: { id: number | string }, settings: Settings): Promise<Decision> {
    const offered = await this.verifiers.offered(settings);
    const [found, roles] = await Promise.all([
      this.optInNames(offered).then((names) => this.stateAndBindings(user.id, names)),
      this.enforcedRolesOf(user.id, settings.enforcedRoles),
    ]);
    return this.decision(settings, offered, found, roles);
  }

  /**
   * `decide` for the second sign-in step, whose one read (`read`, see one-read.ts) also brings the
   * user's state row and bindings. Enforced roles take a statement of their own, and only while
   * some are enforced and the user has not opted in (an opted-in user is required anyway) unless
   * `reasons` asks for the full `requiredBecause`. Returns what turns the answers into the decision.
   */
  async lookUp(read: UserRead, settings: Settings, options: { reasons?: boolean } = {}) {
    const { userId } = read;
    const offered = await this.verifiers.offered(settings);
    const names = await this.optInNames(offered);
    for (const attribute of ['userId', 'enforced', 'firstRequiredAt', 'lastVerifiedAt']) {
      read.value(`state_${attribute}`, COLLECTIONS.userStates, attribute, { userId });
    }
    names.forEach((verifier, i) => {
      read.value(`bound_${i}`, 'usersVerifiers', 'verifier', { userId, verifier });
      read.value(`boundMeta_${i}`, 'usersVerifiers', 'meta', { userId, verifier });
    });
    return async (answers: Record<string, Answer>): Promise<Decision> => {
      const present = (i: number) => answers[`bound_${i}`] !== null && answers[`bound_${i}`] !== undefined;
      const bound = names.filter((_, i) => present(i));
      const found: StateAndBindings = {
        state: {
          enforced: answerBoolean(answers.state_enforced),
          firstRequiredAt: answerDate(answers.state_firstRequiredAt),
          lastVerifiedAt: answerDate(answers.state_lastVerifiedAt),
          stored: answers.state_userId !== null && answers.state_userId !== undefined,
        },
        bound,
        bindingMeta: Object.fromEntries(names.flatMap((n, i) => (present(i) ? [[n, answerObject(answers[`boundMeta_${i}`])]] : []))),
      };
      const roles = options.reasons || !bound.length ? await this.enforcedRolesOf(userId, settings.enforcedRoles) : [];
      return this.decision(settings, offered, found, roles);
    };
  }

  private decision(settings: Settings, offered: VerifierInfo[], found: StateAndBindings, roles: string[]): Decision {
    const { state, bound: optedIn, bindingMeta: metaOfOptedIn } = found;
    const offeredNames = new Set(offered.map((v) => v.name));
    const bound = optedIn.filter((n) => offeredNames.has(n));
    const bindingMeta = Object.fromEntries(bound.map((n) => [n, metaOfOptedIn[n]]));
    const requiredBecause: string[] = [];
    if (settings.enforceForAll) requiredBecause.push('all');
    for (const role of roles) requiredBecause.push(`role:${role}`);
    if (state.enforced) requiredBecause.push('user');
    if (optedIn.length) requiredBecause.push('opt-in');
    return {
      required: requiredBecause.length > 0,
      requiredBecause,
      offered,
      bound,
      bindingMeta,
      stage: bound.length ? 'verify' : 'bind',
      state,
    };
  }

  /** How many users have a bound offered factor under `current` and would have none under `next`. */
  async orphanedBy(current: Settings, next: Settings): Promise<number> {
    const before = new Set((await this.verifiers.offered(current)).map((v) => v.name));
    const after = new Set((await this.verifiers.offered(next)).map((v) => v.name));
    if (![...before].some((n) => !after.has(n))) return 0;
    const rows: any[] = await this.app.db
      .getCollection('usersVerifiers')
      .model.findAll({ where: { verifier: { [Op.in]: [...before] } }, attributes: ['userId', 'verifier'], raw: true });
    const keeps = new Set<string>();
    const loses = new Set<string>();
    for (const r of rows) (after.has(r.verifier) ? keeps : loses).add(String(r.userId));
    return [...loses].filter((u) => !keeps.has(u)).length;
  }

  /** Ids of users who have bound one of `names` (the offered verifiers). */
  async boundUserIds(names: string[]): Promise<string[]> {
    if (!names.length) return [];
    return this.userIdsOf('usersVerifiers', { verifier: { [Op.in]: names } });
  }

  /**
   * The same rule as `decide`, for every user at once: ids of required users (as strings), or
   * null when every user is required. `boundIds` are the users with a bound offered factor.
   */
  async requiredUserIds(settings: Settings, boundIds: string[]): Promise<Set<string> | null> {
    if (settings.enforceForAll) return null;
    const offered = await this.verifiers.offered(settings);
    const optedIn = offered.length ? boundIds : await this.boundUserIds(await this.optInNames(offered));
    return new Set([
      ...optedIn,
      ...(await this.userIdsOf(COLLECTIONS.userStates, { enforced: true })),
      ...(await this.roleHolders({ roles: settings.enforcedRoles })).map((r) => r.userId),
    ]);
  }

  private async userIdsOf(collection: string, where: Record<string, unknown>) {
    const rows: any[] = await this.app.db.getCollection(collection).model.findAll({ where, attributes: ['userId'], raw: true });
    return [...new Set(rows.map((r) => String(r.userId)))];
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
