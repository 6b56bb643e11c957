/**
 * Several indexed lookups about one user, answered by ONE statement: the user's row, with each
 * lookup beside its columns as a scalar subquery. The second sign-in step reads the challenge,
 * the 2FA state, the bindings, the session's role and the device this way (design §12: at most
 * 10 statements per `twoFactor:verify`); each module adds the lookups it needs and reads its
 * answers back. Plain SQL that SQLite, PostgreSQL and MySQL/MariaDB all run.
 */
import type Database from '@nocobase/database';
import { literal, type Model } from '@nocobase/database';

/** A lookup's answer as the driver gives it: dates and JSON may be text (SQLite) or parsed. */
export type Answer = unknown;

export class UserRead {
  private readonly lookups = new Map<string, string>();

  constructor(
    private readonly db: Database,
    readonly userId: number | string,
  ) {}

  /** A quoted column of a collection (its field name, as the model maps it). */
  column(collection: string, attribute: string): string {
    const model = this.db.getCollection(collection).model;
    const field = (model.rawAttributes[attribute] as any)?.field || attribute;
    return this.db.sequelize.getQueryInterface().quoteIdentifier(field);
  }

  table(collection: string): string {
    return this.db.getCollection(collection).quotedTableName();
  }

  escape(value: unknown): string {
    return this.db.sequelize.escape(value as any);
  }

  /** `attribute` of the first row of `collection` where every `where` attribute equals its value. */
  value(alias: string, collection: string, attribute: string, where: Record<string, unknown>, orderBy?: string) {
    const conditions = Object.entries(where).map(([a, v]) => `${this.column(collection, a)} = ${this.escape(v)}`);
    const order = orderBy ? ` ORDER BY ${this.column(collection, orderBy)}` : '';
    return this.subquery(alias, `SELECT ${this.column(collection, attribute)} FROM ${this.table(collection)} WHERE ${conditions.join(' AND ')}${order} LIMIT 1`);
  }

  /** Any single-value SELECT (built with `column`, `table` and `escape`). */
  subquery(alias: string, sql: string) {
    this.lookups.set(alias, sql);
    return this;
  }

  /**
   * The user (a model, as `users.findOne` gives it, without the lookups) and the lookups'
   * answers; `user` is null when the user no longer exists.
   */
  async run(): Promise<{ user: Model | null; answers: Record<string, Answer> }> {
    const users = this.db.getCollection('users').model;
    const aliases = [...this.lookups.keys()];
    const user: any = await users.findOne({
      where: { [users.primaryKeyAttribute]: this.userId },
      attributes: { include: aliases.map((alias) => [literal(`(${this.lookups.get(alias)})`), alias]) },
    });
    const answers: Record<string, Answer> = {};
    if (!user) return { user: null, answers };
    for (const alias of aliases) {
      answers[alias] = user.dataValues[alias];
      // The model leaves as a plain users row: nothing of ours in its JSON or its saves.
      delete user.dataValues[alias];
      delete user._previousDataValues?.[alias];
    }
    return { user, answers };
  }
}

/** Answers carry dates as Date (PostgreSQL, MySQL) or as text (SQLite). */
export function answerDate(value: Answer): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value as string);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Answers carry JSON as an object (PostgreSQL, MySQL) or as text (SQLite, MariaDB). */
export function answerObject(value: Answer): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = null;
    }
  }
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

/** Answers carry booleans as true/false (PostgreSQL) or 1/0 (SQLite, MySQL). */
export const answerBoolean = (value: Answer) => value === true || Number(value) === 1;
