/**
 * `twoFactorUsers:*` — admins see and reset each user's 2FA (design §7). Ids travel in `values`.
 * Filtering by `required` / `bound` is done in SQL on id sets, so it scales with enrolled users,
 * not with all users.
 */
import { Op } from '@nocobase/database';
import { COLLECTIONS, ERROR_CODES, EVENT_TYPES } from '../../constants';
import { badRequest, TwoFactorError, withErrors } from '../errors';
import { resetByAdmin } from '../flows/bindings';
import { requestInfo } from '../request';
import type { Services } from '../services';
import { isPlainObject, parseValues } from '../validation';

const USER_ID = { type: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER } as const;

const SCHEMAS = {
  listFilter: {
    required: { type: 'boolean', optional: true },
    bound: { type: 'boolean', optional: true },
    q: { type: 'string', maxLength: 100, optional: true },
  },
  reset: { userId: USER_ID },
  setEnforced: { userId: USER_ID, enforced: { type: 'boolean' } },
  unlock: { userId: USER_ID },
  none: {},
} as const;

function positiveInt(field: string, raw: unknown, fallback: number, max: number) {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) throw badRequest(field, `must be an integer between 1 and ${max}`);
  return n;
}

export function createUsersActions(services: Services) {
  const { app, verifiers, policy, backupCodes, devices, audit, attempts } = services;

  async function list(ctx: any, next: () => Promise<void>) {
    const params = ctx.action.params;
    const rawFilter = params.filter === undefined ? {} : typeof params.filter === 'string' ? safeJson(params.filter) : params.filter;
    if (!isPlainObject(rawFilter)) throw badRequest('filter', 'must be an object');
    // A query string carries only text: `filter[bound]=true` means the boolean.
    const fromQuery = Object.fromEntries(
      Object.entries(rawFilter).map(([k, v]) => [k, k !== 'q' && (v === 'true' || v === 'false') ? v === 'true' : v]),
    );
    const filter = parseValues(fromQuery, SCHEMAS.listFilter);
    const page = positiveInt('page', params.page, 1, 1_000_000);
    const pageSize = positiveInt('pageSize', params.pageSize, 20, 200);

    const settings = await services.settings.get();
    const offered = (await verifiers.offered(settings)).map((v) => v.name);
    const where: any[] = [];
    // Sequelize renders `IN []` as matching nothing and `NOT IN []` as no condition, as wanted.
    const idIn = (ids: string[], include: boolean) => ({ id: { [include ? Op.in : Op.notIn]: ids } });
    const boundIds = await policy.boundUserIds(offered);
    if (filter.bound !== undefined) where.push(idIn(boundIds, filter.bound));
    if (filter.required !== undefined) {
      const required = await policy.requiredUserIds(settings, boundIds);
      if (required) where.push(idIn([...required], filter.required));
      else if (!filter.required) where.push(idIn([], true));
    }
    if (filter.q) {
      // A search box: `%` and `_` typed by the admin act as LIKE wildcards, which only widens it.
      const like = `%${filter.q}%`;
      // Case-insensitive everywhere: LIKE already is on SQLite and MySQL, ILIKE on PostgreSQL.
      const op = app.db.sequelize.getDialect() === 'postgres' ? Op.iLike : Op.like;
      where.push({ [Op.or]: ['nickname', 'username', 'email'].map((f) => ({ [f]: { [op]: like } })) });
    }
    const users = app.db.getCollection('users').model;
    const { count, rows } = await users.findAndCountAll({
      where: where.length ? { [Op.and]: where } : {},
      attributes: ['id', 'nickname', 'username', 'email'],
      order: [['id', 'ASC']],
      offset: (page - 1) * pageSize,
      limit: pageSize,
    });
    const eligible = (await verifiers.eligibleVerifiers()).map((v) => v.name);
    const data = await Promise.all(
      rows.map(async (u: any) => {
        const userId = u.get('id');
        const decision = await policy.decide(u, settings);
        const lockedUntil = await attempts.lockedUntil(userId);
        return {
          id: userId,
          nickname: u.get('nickname'),
          username: u.get('username'),
          email: u.get('email'),
          required: decision.required,
          requiredBecause: decision.requiredBecause,
          enforced: decision.state.enforced,
          verifiers: await verifiers.boundNames(userId, eligible),
          backupCodesRemaining: await backupCodes.remaining(userId),
          trustedDevices: await devices.count(userId),
          lastVerifiedAt: decision.state.lastVerifiedAt ? decision.state.lastVerifiedAt.toISOString() : null,
          lockedUntil: lockedUntil ? lockedUntil.toISOString() : null,
        };
      }),
    );
    ctx.withoutDataWrapping = true;
    ctx.body = { data, meta: { count, page, pageSize } };
    await next();
  }

  async function findUser(userId: number) {
    const user = await app.db.getRepository('users').findOne({ filterByTk: userId });
    if (!user) throw badRequest('userId', 'no such user');
    return user;
  }

  /**
   * Whether the caller may change the 2FA of `userId` (roles as the ACL counts them): root's only
   * by root, and nobody holding a role the caller lacks unless the caller is root.
   */
  async function mayManage(ctx: any, userId: number | string) {
    const callerId = ctx.auth?.user?.id;
    if (!callerId) return false;
    const [mine, theirs] = await Promise.all([policy.rolesOf(callerId), policy.rolesOf(userId)]);
    if (mine.includes('root')) return true;
    const held = new Set(mine);
    return theirs.every((role) => held.has(role));
  }

  async function assertMayManage(ctx: any, userId: number) {
    if (!(await mayManage(ctx, userId))) throw new TwoFactorError(ERROR_CODES.NO_PERMISSION);
  }

  /**
   * Sessions outlive a policy change: 2FA is checked at sign-in. This ends the live sessions of
   * required users who have never passed a second factor (sessions from before enforcement, or
   * from a postponed binding): their `issuedTokens` rows go, so no renewal, and their token ids
   * are blocked until the longest a token can still be valid. The caller's own sessions and users
   * beyond the caller's reach are left alone.
   */
  async function signOutUnverified(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, SCHEMAS.none);
    const settings = await services.settings.get();
    const offered = (await verifiers.offered(settings)).map((v) => v.name);
    const required = await policy.requiredUserIds(settings, await policy.boundUserIds(offered));
    const verifiedRows: any[] = await app.db
      .getCollection(COLLECTIONS.userStates)
      .model.findAll({ where: { lastVerifiedAt: { [Op.ne]: null } }, attributes: ['userId'], raw: true });
    const verified = new Set(verifiedRows.map((r) => String(r.userId)));
    const tokens = app.db.getCollection('issuedTokens')?.model;
    if (!tokens) throw new Error('issuedTokens is missing: plugin-auth must be enabled');
    const rows: any[] = await tokens.findAll({
      where: required ? { userId: { [Op.in]: [...required] } } : {},
      attributes: ['jti', 'userId'],
      raw: true,
    });
    const callerId = String(ctx.auth?.user?.id ?? '');
    const byUser = new Map<string, string[]>();
    for (const r of rows) {
      const userId = String(r.userId);
      if (userId === callerId || verified.has(userId)) continue;
      byUser.set(userId, [...(byUser.get(userId) || []), r.jti]);
    }
    const authManager: any = (app as any).authManager;
    const { tokenExpirationTime } = await authManager.tokenController.getConfig();
    const blockedUntil = new Date(Date.now() + Number(tokenExpirationTime || 0)).toString();
    let users = 0;
    let sessions = 0;
    for (const [userId, jtis] of byUser) {
      if (!(await mayManage(ctx, userId))) continue;
      await tokens.destroy({ where: { jti: { [Op.in]: jtis } } });
      for (const jti of jtis) await authManager.jwt.blacklist?.add({ token: jti, expiration: blockedUntil });
      users += 1;
      sessions += jtis.length;
    }
    ctx.body = { users, sessions };
    await next();
  }

  async function reset(ctx: any, next: () => Promise<void>) {
    const { userId } = parseValues(ctx.action.params.values, SCHEMAS.reset);
    await findUser(userId);
    await assertMayManage(ctx, userId);
    const removed = await resetByAdmin(services, { userId, by: ctx.auth?.user?.id ?? null, info: requestInfo(ctx) });
    ctx.body = { userId, verifiers: removed };
    await next();
  }

  async function setEnforced(ctx: any, next: () => Promise<void>) {
    const { userId, enforced } = parseValues(ctx.action.params.values, SCHEMAS.setEnforced);
    await findUser(userId);
    await assertMayManage(ctx, userId);
    await policy.updateState(userId, { enforced });
    await audit.record(
      { userId, type: EVENT_TYPES.settingsChanged, detail: { changed: ['enforced'], enforced, by: ctx.auth?.user?.id ?? null } },
      requestInfo(ctx),
    );
    ctx.body = { userId, enforced };
    await next();
  }

  /**
   * Lifts a sign-in lockout before it ends (the user's wrong-code counts are forgotten too). A user
   * who is not locked is left as is: `unlocked: false`, no audit row.
   */
  async function unlock(ctx: any, next: () => Promise<void>) {
    const { userId } = parseValues(ctx.action.params.values, SCHEMAS.unlock);
    await findUser(userId);
    await assertMayManage(ctx, userId);
    const lockedUntil = await attempts.lockedUntil(userId);
    if (lockedUntil) {
      await attempts.clear(userId);
      await audit.record(
        { userId, type: EVENT_TYPES.settingsChanged, detail: { unlocked: true, lockedUntil: lockedUntil.toISOString(), by: ctx.auth?.user?.id ?? null } },
        requestInfo(ctx),
      );
    }
    ctx.body = { userId, unlocked: !!lockedUntil };
    await next();
  }

  return {
    list: withErrors(list),
    reset: withErrors(reset),
    setEnforced: withErrors(setEnforced),
    unlock: withErrors(unlock),
    signOutUnverified: withErrors(signOutUnverified),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const USERS_ACTIONS = ['list', 'reset', 'setEnforced', 'unlock', 'signOutUnverified'];
