/**
 * Parse at the edge: every action checks its body against a schema before touching anything.
 * Types are strict ("5" is not a number, "true" is not a boolean); unknown fields are refused.
 */
import { badRequest } from './errors';

type Rule =
  | { type: 'boolean'; optional?: boolean }
  | { type: 'integer'; min: number; max: number; optional?: boolean }
  | { type: 'string'; minLength?: number; maxLength: number; pattern?: RegExp; optional?: boolean }
  | { type: 'stringArray'; maxItems: number; maxLength: number; pattern?: RegExp; optional?: boolean }
  /** A structured value checked by its own parser (which throws `badRequest` naming the field). */
  | { type: 'custom'; parse: (field: string, v: unknown) => unknown; optional?: boolean };

export type Schema = Record<string, Rule>;

type ValueOf<R extends Rule> = R extends { type: 'boolean' }
  ? boolean
  : R extends { type: 'integer' }
    ? number
    : R extends { type: 'string' }
      ? string
      : R extends { type: 'custom'; parse: (field: string, v: unknown) => infer T }
        ? T
        : string[];

type RequiredKeys<S extends Schema> = { [K in keyof S]: S[K] extends { optional: true } ? never : K }[keyof S];
type OptionalKeys<S extends Schema> = Exclude<keyof S, RequiredKeys<S>>;

export type Parsed<S extends Schema> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  [K in OptionalKeys<S>]?: ValueOf<S[K]>;
};

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function checkString(field: string, v: unknown, maxLength: number, minLength = 1, pattern?: RegExp): string {
  if (typeof v !== 'string') throw badRequest(field, 'must be a string');
  // No input of ours needs a NUL, and SQLite cuts a query at one (a 5xx instead of a refusal).
  if (v.includes('\u0000')) throw badRequest(field, 'must not contain NUL characters');
  if (v.length < minLength) throw badRequest(field, minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters`);
  if (v.length > maxLength) throw badRequest(field, `must be at most ${maxLength} characters`);
  if (pattern && !pattern.test(v)) throw badRequest(field, 'has an invalid format');
  return v;
}

function checkValue(field: string, rule: Rule, v: unknown): unknown {
  switch (rule.type) {
    case 'boolean':
      if (typeof v !== 'boolean') throw badRequest(field, 'must be a boolean');
      return v;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(field, 'must be an integer');
      if (v < rule.min || v > rule.max) throw badRequest(field, `must be between ${rule.min} and ${rule.max}`);
      return v;
    case 'string':
      return checkString(field, v, rule.maxLength, rule.minLength ?? 1, rule.pattern);
    case 'stringArray': {
      if (!Array.isArray(v)) throw badRequest(field, 'must be an array of strings');
      if (v.length > rule.maxItems) throw badRequest(field, `must have at most ${rule.maxItems} items`);
      const items = v.map((item, i) => checkString(`${field}[${i}]`, item, rule.maxLength, 1, rule.pattern));
      return [...new Set(items)];
    }
    case 'custom':
      return rule.parse(field, v);
  }
}

/**
 * Validates `values` against `schema`. `partial` makes every field optional but requires at least
 * one (for updates). Throws TWO_FACTOR_BAD_REQUEST naming the first offending field.
 */
export function parseValues<S extends Schema>(values: unknown, schema: S, options: { partial?: boolean } = {}): Parsed<S> {
  const body = values === undefined || values === null ? {} : values;
  if (!isPlainObject(body)) throw badRequest('values', 'must be an object');
  for (const key of Object.keys(body)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) throw badRequest(key, 'is not a known field');
  }
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(schema)) {
    const v = body[key];
    if (v === undefined) {
      if (!rule.optional && !options.partial) throw badRequest(key, 'is required');
      continue;
    }
    out[key] = checkValue(key, rule, v);
  }
  if (options.partial && Object.keys(out).length === 0) throw badRequest('values', 'must contain at least one field');
  return out as Parsed<S>;
}
