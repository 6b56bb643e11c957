/**
 * Runs hostile requests one at a time against the real server and judges each one:
 * - no 5xx;
 * - no session: no `token` in the body, no auth or trusted-device cookie, no `X-New-Token`, no new
 *   `issuedTokens` row;
 * - a refusal (4xx) is `{ errors: [{ code, message }] }` and changes no business row;
 * - a request that should be refused is refused, with the expected code where one is named.
 */
import { createHash } from 'node:crypto';
import type { MockServer } from '@nocobase/test';
import { COLLECTIONS } from '../../constants';

/** What a hostile request must lead to. */
export type Expectation =
  /** A 4xx refusal (the default). */
  | 'refused'
  /** A read: any status but 5xx, and nothing may change. */
  | 'read'
  /** A sign-in: may answer with a challenge, never with a session, and changes nothing. */
  | 'no-session';

export interface HostileResponse {
  status: number;
  body: any;
  headers: Record<string, any>;
  text?: string;
}

export interface HostileCase {
  /** `resource:action` the request targets (for coverage). */
  action: string;
  name: string;
  expect?: Expectation;
  /** Error code(s) the refusal must carry. */
  code?: string | string[];
  /**
   * Who shapes the refusal: `ours` (default) = `{ errors: [{ code, message }] }`; `core` = NocoBase
   * answers by design (e.g. a wrong password on `auth:signIn`), `{ errors: [{ message }] }`;
   * `router` = no such action exists, any 4xx will do.
   */
  shape?: 'ours' | 'core' | 'router';
  /** Setup that is not part of the hostile request (fresh challenge, state to attack…). */
  prepare?: () => Promise<void>;
  send: () => PromiseLike<HostileResponse>;
  /** Undo setup that would disturb later cases. */
  cleanup?: () => Promise<void>;
}

/**
 * Business tables (design §8): bindings, codes, devices, settings, users and what ACL and sign-in
 * read. Not audit rows, counters, challenges or notices.
 */
export const BUSINESS_TABLES = [
  'users',
  'usersVerifiers',
  'verifiers',
  'roles',
  'rolesUsers',
  'authenticators',
  'usersAuthenticators',
  'systemSettings',
  COLLECTIONS.settings,
  COLLECTIONS.userStates,
  COLLECTIONS.backupCodes,
  COLLECTIONS.trustedDevices,
  COLLECTIONS.totpSteps,
  COLLECTIONS.seenDevices,
];

export interface Violation {
  case: string;
  kind: 'server error' | 'session issued' | 'rows changed' | 'not refused' | 'wrong shape' | 'wrong code' | 'transport error';
  detail: string;
}

export interface Report {
  requests: number;
  serverErrors: number;
  sessionsIssued: number;
  rowsChanged: number;
  notRefused: number;
  wrongShape: number;
  wrongCode: number;
  transportErrors: number;
  /** Refused by Node's HTTP parser before any app code ran (e.g. 431 for a huge header). */
  refusedBeforeApp: number;
  byAction: Record<string, number>;
  byStatus: Record<string, number>;
  violations: Violation[];
}

export function emptyReport(): Report {
  return {
    requests: 0,
    serverErrors: 0,
    sessionsIssued: 0,
    rowsChanged: 0,
    notRefused: 0,
    wrongShape: 0,
    wrongCode: 0,
    transportErrors: 0,
    refusedBeforeApp: 0,
    byAction: {},
    byStatus: {},
    violations: [],
  };
}

/** A digest per business table, of every row in primary-key order. */
export async function snapshot(app: MockServer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of BUSINESS_TABLES) {
    const collection = app.db.getCollection(name);
    if (!collection) continue;
    const model = collection.model;
    const order = model.primaryKeyAttributes.map((k: string) => [k, 'ASC']);
    const rows = await model.findAll({ raw: true, order: order as any });
    out[name] = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  }
  return out;
}

const cookieList = (res: HostileResponse): string[] => {
  const raw = res.headers?.['set-cookie'];
  return Array.isArray(raw) ? raw : raw ? [raw] : [];
};

/** Signs of a session in a response: body token, auth or device cookie with a value, renewed token. */
export function sessionSigns(res: HostileResponse): string[] {
  const signs: string[] = [];
  const body = res.body || {};
  if (typeof body?.data?.token === 'string' || typeof body?.token === 'string') signs.push('token in body');
  for (const c of cookieList(res)) {
    if (/^nb_auth_token_[^=]*=[^;]+/.test(c)) signs.push(`auth cookie ${c.split(';')[0].slice(0, 40)}`);
    if (/^nb_2fa_device_[^=]*=[^;]+/.test(c)) signs.push(`trusted-device cookie ${c.split(';')[0].slice(0, 40)}`);
  }
  if (res.headers?.['x-new-token']) signs.push('X-New-Token header');
  return signs;
}

function shapeProblem(res: HostileResponse, shape: HostileCase['shape'] = 'ours'): string | null {
  if (shape === 'router') return null;
  const first = res.body?.errors?.[0];
  if (!Array.isArray(res.body?.errors) || !first) return `body is not { errors: [...] }: ${String(res.text ?? JSON.stringify(res.body)).slice(0, 200)}`;
  if (shape === 'ours' && (typeof first.code !== 'string' || !first.code)) return `error without code: ${JSON.stringify(first).slice(0, 200)}`;
  if (typeof first.message !== 'string' || !first.message) return `error without message: ${JSON.stringify(first).slice(0, 200)}`;
  return null;
}

export class HostileRunner {
  readonly report = emptyReport();

  constructor(
    private readonly app: MockServer,
    /** Runs before each case: clears failure counters and lockouts so every case meets a fresh user. */
    private readonly beforeEach: () => Promise<void>,
  ) {}

  private violate(c: HostileCase, kind: Violation['kind'], detail: string) {
    this.report.violations.push({ case: `${c.action} — ${c.name}`, kind, detail });
  }

  private issuedTokens() {
    return this.app.db.getRepository('issuedTokens').count();
  }

  async run(cases: HostileCase[]) {
    for (const c of cases) await this.runOne(c);
  }

  async runOne(c: HostileCase) {
    const report = this.report;
    await this.beforeEach();
    await c.prepare?.();
    const before = await snapshot(this.app);
    const tokensBefore = await this.issuedTokens();
    report.requests += 1;
    report.byAction[c.action] = (report.byAction[c.action] || 0) + 1;
    let res: HostileResponse;
    try {
      res = await c.send();
    } catch (err: any) {
      report.transportErrors += 1;
      this.violate(c, 'transport error', String(err?.message || err));
      await c.cleanup?.();
      return;
    }
    report.byStatus[res.status] = (report.byStatus[res.status] || 0) + 1;
    const after = await snapshot(this.app);
    const tokensAfter = await this.issuedTokens();
    const expect = c.expect || 'refused';

    if (res.status >= 500) {
      report.serverErrors += 1;
      this.violate(c, 'server error', `${res.status} ${String(res.text ?? '').slice(0, 200)}`);
    }
    const signs = sessionSigns(res);
    if (tokensAfter > tokensBefore) signs.push(`${tokensAfter - tokensBefore} new issuedTokens row(s)`);
    if (signs.length) {
      report.sessionsIssued += 1;
      this.violate(c, 'session issued', signs.join(', '));
    }
    const refused = res.status >= 400 && res.status < 500;
    const changed = Object.keys(before).filter((t) => before[t] !== after[t]);
    if (changed.length && (refused || expect !== 'refused')) {
      report.rowsChanged += 1;
      this.violate(c, 'rows changed', `${res.status}: ${changed.join(', ')}`);
    }
    if (expect === 'refused' && !refused) {
      report.notRefused += 1;
      this.violate(c, 'not refused', `${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    if (refused) {
      // 431: Node's HTTP parser answers before the app sees the request; there is no body to shape.
      if (res.status === 431) {
        report.refusedBeforeApp += 1;
      } else {
        const problem = shapeProblem(res, c.shape);
        if (problem) {
          report.wrongShape += 1;
          this.violate(c, 'wrong shape', `${res.status} ${problem}`);
        } else if (c.code) {
          const wanted = Array.isArray(c.code) ? c.code : [c.code];
          const got = res.body.errors[0].code;
          if (!wanted.includes(got)) {
            report.wrongCode += 1;
            this.violate(c, 'wrong code', `${res.status} ${got}, expected ${wanted.join(' | ')}: ${JSON.stringify(res.body.errors[0]).slice(0, 200)}`);
          }
        }
      }
    }
    await c.cleanup?.();
  }
}

/** Totals that must be zero, by name. */
export function failures(report: Report) {
  return {
    '5xx seen': report.serverErrors,
    'sessions issued without a second factor': report.sessionsIssued,
    'rows changed by refused requests': report.rowsChanged,
    'hostile requests not refused': report.notRefused,
    'refusals without { errors: [{ code, message }] }': report.wrongShape,
    'refusals with an unexpected code': report.wrongCode,
    'requests that got no HTTP answer': report.transportErrors,
  };
}

export function formatReport(report: Report): string {
  const lines = [
    `hostile requests sent: ${report.requests}`,
    ...Object.entries(failures(report)).map(([k, v]) => `${k}: ${v}`),
    `refused by Node's HTTP parser before the app (431): ${report.refusedBeforeApp}`,
    `statuses: ${Object.entries(report.byStatus)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
    'requests per action:',
    ...Object.entries(report.byAction)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([a, n]) => `  ${a.padEnd(36)} ${n}`),
  ];
  if (report.violations.length) {
    lines.push('violations:');
    for (const v of report.violations.slice(0, 200)) lines.push(`  [${v.kind}] ${v.case}: ${v.detail}`);
    if (report.violations.length > 200) lines.push(`  … and ${report.violations.length - 200} more`);
  }
  return lines.join('\n');
}
