/**
 * Generated hostile bodies. From a valid body and the type of each field, every variant an attacker
 * (or a broken client) might send: wrong types, missing and extra fields, huge strings and bodies,
 * unicode, arrays for objects, null, prototype-pollution keys, broken JSON and odd content types.
 */
import { ERROR_CODES } from '../../constants';
import type { Body } from './world';

export type FieldType = 'string' | 'boolean' | 'integer';

export interface Field {
  type: FieldType;
  optional?: boolean;
  /** Integers: the accepted range. */
  min?: number;
  max?: number;
}

export interface Mutation {
  name: string;
  body: Body;
  /** The code a correct server must answer with; undefined when several refusals are right. */
  code?: string | string[];
}

const BAD = ERROR_CODES.BAD_REQUEST;
const HUGE = 'x'.repeat(100_000);

/** Values of the wrong type for a field of `type`. */
function wrongTypes({ type, min = 1, max = Number.MAX_SAFE_INTEGER }: Field): [string, unknown][] {
  const common: [string, unknown][] = [
    ['null', null],
    ['empty array', []],
    ['array', ['x']],
    ['empty object', {}],
    ['operator object', { $ne: null }],
    ['nested object', { a: { b: { c: 1 } } }],
  ];
  switch (type) {
    case 'string':
      return [...common, ['number', 123456], ['zero', 0], ['float', 1.5], ['true', true], ['false', false], ['empty string', ''], ['100k string', HUGE]];
    case 'boolean':
      return [...common, ['"true"', 'true'], ['"false"', 'false'], ['1', 1], ['0', 0], ['"yes"', 'yes'], ['empty string', '']];
    case 'integer':
      return [
        ...common,
        ['numeric string', String(min)],
        ['float', min + 0.5],
        ['below the range', min - 1],
        ['negative', -Math.max(1, min)],
        ...(max < Number.MAX_SAFE_INTEGER ? ([['above the range', max + 1]] as [string, unknown][]) : []),
        ['2^53+2', 2 ** 53 + 2],
        ['1e308', 1e308],
        ['true', true],
        ['empty string', ''],
      ];
  }
}

/** Strings of the right type that are hostile in content. */
export const HOSTILE_STRINGS: [string, string][] = [
  ['NUL byte', 'tot\u0000p'],
  ['full-width digits', '１２３４５６'],
  ['arabic-indic digits', '١٢٣٤٥٦'],
  ['zero-width space', '123\u200b456'],
  ['emoji', '😀😀😀'],
  ['lone surrogate', '\ud800abc'],
  ['RTL override', '\u202e654321'],
  ['SQL', "' OR '1'='1' --"],
  ['LIKE wildcards', '%_%'],
  ['path traversal', '../../etc/passwd'],
  ['template', '${7*7}{{7*7}}'],
  ['__proto__', '__proto__'],
  ['newlines', '12\r\n34\n56'],
];

/**
 * Every hostile variant of `valid` for a body with these `fields`. `allFieldsOptional` bodies (no
 * required field) skip the variants that would be valid for them (an empty body, text/plain…).
 */
export function mutate(valid: Record<string, unknown>, fields: Record<string, Field>): Mutation[] {
  const out: Mutation[] = [];
  const required = Object.keys(fields).filter((k) => !fields[k].optional);
  for (const [key, field] of Object.entries(fields)) {
    for (const [label, value] of wrongTypes(field)) {
      out.push({ name: `${key}: ${label}`, body: { json: { ...valid, [key]: value } }, code: BAD });
    }
    if (field.type === 'string') {
      for (const [label, value] of HOSTILE_STRINGS) {
        out.push({ name: `${key}: ${label}`, body: { json: { ...valid, [key]: value } } });
      }
    }
  }
  for (const key of required) {
    const { [key]: _dropped, ...rest } = valid;
    out.push({ name: `missing ${key}`, body: { json: rest }, code: BAD });
  }
  if (required.length) {
    out.push({ name: 'empty object', body: { json: {} }, code: BAD });
    out.push({ name: 'no body', body: { none: true }, code: BAD });
    out.push({ name: 'text/plain JSON', body: { raw: JSON.stringify(valid), type: 'text/plain' }, code: BAD });
  }
  out.push(
    { name: 'unknown field', body: { json: { ...valid, evil: 1 } }, code: BAD },
    ...(fields.userId ? [] : [{ name: 'unknown field: userId', body: { json: { ...valid, userId: 1 } }, code: BAD }]),
    { name: '__proto__ key', body: { raw: `{"__proto__":{"polluted":true},${JSON.stringify(valid).slice(1)}`.replace(',}', '}'), type: 'application/json' }, code: BAD },
    { name: 'constructor.prototype key', body: { json: { ...valid, constructor: { prototype: { polluted: true } } } }, code: BAD },
    { name: 'prototype key', body: { json: { ...valid, prototype: { polluted: true } } }, code: BAD },
    { name: 'array body', body: { json: [valid] }, code: BAD },
    { name: 'array of arrays', body: { json: [[1, 2], [3]] }, code: BAD },
    { name: 'JSON null', body: { raw: 'null', type: 'application/json' }, code: BAD },
    { name: 'JSON string', body: { raw: '"totp"', type: 'application/json' }, code: BAD },
    { name: 'JSON number', body: { raw: '42', type: 'application/json' }, code: BAD },
    { name: 'broken JSON', body: { raw: '{"verifier":', type: 'application/json' }, code: BAD },
    { name: 'JSON with comments', body: { raw: '{/*x*/}', type: 'application/json' }, code: BAD },
    { name: 'deep nesting (5000)', body: { raw: `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`, type: 'application/json' }, code: BAD },
    { name: 'deep nesting (100000)', body: { raw: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, type: 'application/json' }, code: BAD },
    { name: '2 MB unknown field', body: { json: { ...valid, pad: 'y'.repeat(2 * 1024 * 1024) } }, code: BAD },
    { name: '12 MB body', body: { json: { ...valid, pad: 'z'.repeat(12 * 1024 * 1024) } }, code: BAD },
    { name: '10000 keys', body: { json: { ...valid, ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])) } }, code: BAD },
    {
      name: 'form-encoded nested __proto__',
      body: { raw: `values[__proto__][polluted]=1&__proto__[polluted]=1&constructor[prototype][polluted]=1&evil=1`, type: 'application/x-www-form-urlencoded' },
      code: BAD,
    },
    { name: 'gzip-labelled body that is not gzip', body: { raw: JSON.stringify(valid), type: 'application/json', headers: { 'Content-Encoding': 'gzip' } }, code: BAD },
    { name: 'unknown content encoding', body: { raw: JSON.stringify(valid), type: 'application/json', headers: { 'Content-Encoding': 'evil' } }, code: BAD },
  );
  return out;
}
