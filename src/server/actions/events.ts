/**
 * `twoFactorEvents:list` is core's generic list; this check in front of it keeps its parameters to
 * what an audit log needs. Unknown fields, sorts or appends would otherwise reach SQL (a bare 400,
 * or a 5xx for a sort through an association), and a filter on `user.password` would let an admin
 * probe password hashes.
 */
import { badRequest, withErrors } from '../errors';
import { isPlainObject } from '../validation';

const OWN_FIELDS = ['id', 'createdAt', 'userId', 'type', 'verifier', 'ip', 'userAgent'];
const USER_FIELDS = ['id', 'nickname', 'username', 'email'];
/** What a filter or sort may name: our columns and the user's public ones. */
const FILTERABLE = new Set([...OWN_FIELDS, ...USER_FIELDS.map((f) => `user.${f}`)]);
/** What `fields` / `except` may name. */
const SELECTABLE = new Set([...FILTERABLE, 'detail', 'user']);
const APPENDABLE = new Set(['user']);
const MAX_PAGE_SIZE = 1000;
const MAX_TEXT = 1000;

type Kind = 'int' | 'date' | 'text';
/** What a filter compares each field with: PostgreSQL refuses `userId = 'abc'` with an error, not an empty result. */
const KIND: Record<string, Kind> = { id: 'int', userId: 'int', 'user.id': 'int', createdAt: 'date' };
const COMPARE = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$notIn'];
const PRESENCE = ['$empty', '$notEmpty', '$exists', '$notExists'];
const TEXT = ['$like', '$notLike', '$iLike', '$notILike', '$includes', '$notIncludes', '$startsWith', '$notStartsWith', '$endWith', '$notEndWith'];
const DATE = ['$dateOn', '$dateNotOn', '$dateBefore', '$dateAfter', '$dateNotBefore', '$dateNotAfter', '$dateBetween'];
const OPERATORS: Record<Kind, Set<string>> = {
  int: new Set([...COMPARE, ...PRESENCE]),
  date: new Set([...COMPARE, ...PRESENCE, ...DATE]),
  text: new Set([...COMPARE, ...PRESENCE, ...TEXT]),
};

function fits(kind: Kind, v: unknown): boolean {
  if (v === null) return true;
  switch (kind) {
    case 'int':
      return (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^\d{1,15}$/.test(v));
    case 'date':
      return (typeof v === 'string' && v.length <= 64 && !Number.isNaN(new Date(v).getTime())) || (typeof v === 'number' && Number.isFinite(v));
    case 'text':
      return (typeof v === 'string' && v.length <= MAX_TEXT && !v.includes('\u0000')) || typeof v === 'number' || typeof v === 'boolean';
  }
}

const fitsAll = (kind: Kind, v: unknown) => fits(kind, v) || (Array.isArray(v) && v.length <= 1000 && v.every((x) => fits(kind, x)));

function condition(path: string, field: string, v: unknown) {
  const kind = KIND[field] || 'text';
  if (!isPlainObject(v)) {
    if (!fitsAll(kind, v)) throw badRequest(path, `must be a ${kind === 'int' ? 'number' : kind} value or a list of them`);
    return;
  }
  for (const [op, operand] of Object.entries(v)) {
    if (!OPERATORS[kind].has(op)) throw badRequest(`${path}.${op}`, `is not an operator for this field`);
    if (PRESENCE.includes(op)) continue;
    if (!fitsAll(kind, operand)) throw badRequest(`${path}.${op}`, `must be a ${kind === 'int' ? 'number' : kind} value or a list of them`);
  }
}

function names(param: string, raw: unknown, allowed: Set<string>, strip = (s: string) => s) {
  if (raw === undefined) return;
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list)) throw badRequest(param, 'must be a list of field names');
  for (const item of list) {
    if (typeof item !== 'string' || !allowed.has(strip(item.trim()))) throw badRequest(param, `cannot name ${JSON.stringify(item).slice(0, 60)}`);
  }
}

function positive(param: string, raw: unknown, max: number) {
  if (raw === undefined) return;
  const n = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) throw badRequest(param, `must be an integer between 1 and ${max}`);
}

function filter(path: string, f: unknown) {
  if (!isPlainObject(f)) throw badRequest(path, 'must be an object');
  for (const [key, v] of Object.entries(f)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(v)) throw badRequest(`${path}.${key}`, 'must be a list');
      v.forEach((item, i) => filter(`${path}.${key}[${i}]`, item));
    } else if (key === 'user' && isPlainObject(v) && Object.keys(v).every((k) => !k.startsWith('$'))) {
      filter(`${path}.user`, Object.fromEntries(Object.entries(v).map(([k, x]) => [`user.${k}`, x])));
    } else if (FILTERABLE.has(key)) {
      condition(`${path}.${key}`, key, v);
    } else {
      throw badRequest(`${path}.${key}`, 'is not a field the audit log can be filtered by');
    }
  }
}

export const checkEventListParams = withErrors(async (ctx: any, next: () => Promise<void>) => {
  const p = ctx.action.params;
  positive('page', p.page, 1_000_000);
  positive('pageSize', p.pageSize, MAX_PAGE_SIZE);
  if (p.paginate !== undefined && p.paginate !== true && p.paginate !== 'true') throw badRequest('paginate', 'must stay on');
  if (p.tree !== undefined) throw badRequest('tree', 'is not supported');
  names('sort', p.sort, FILTERABLE, (s) => s.replace(/^-/, ''));
  names('fields', p.fields, SELECTABLE);
  names('except', p.except, SELECTABLE);
  names('appends', p.appends, APPENDABLE);
  if (p.filter !== undefined) filter('filter', p.filter);
  await next();
  await appendActors(ctx);
});

/**
 * Rows whose detail names the admin who acted (`detail.by`: a reset, an unlock, a per-user
 * enforcement) get `actor: { id, nickname, username }`, so the log can say who did it. Only the
 * fields `appends: ['user']` already shows of any user; nothing for a user that no longer exists.
 */
async function appendActors(ctx: any) {
  const body = ctx.body;
  const rows: any[] | undefined = Array.isArray(body) ? body : Array.isArray(body?.rows) ? body.rows : undefined;
  if (!rows?.length) return;
  const plain = rows.map((row) => (typeof row?.toJSON === 'function' ? row.toJSON() : row));
  const ids = [...new Set(plain.map((row) => row?.detail?.by).filter((id) => Number.isSafeInteger(id)))];
  if (!ids.length) return;
  const users: any[] = await ctx.db.getCollection('users').model.findAll({ where: { id: ids }, attributes: ['id', 'nickname', 'username'], raw: true });
  const byId = new Map(users.map((u) => [u.id, { id: u.id, nickname: u.nickname ?? null, username: u.username ?? null }]));
  const withActors = plain.map((row) => (byId.has(row?.detail?.by) ? { ...row, actor: byId.get(row.detail.by) } : row));
  if (Array.isArray(body)) ctx.body = withActors;
  else ctx.body = { ...body, rows: withActors };
}
