/**
 * Requests to our resources that NocoBase would fail before any action runs get our 400 instead:
 * - a body the body parser refuses (broken JSON, `__proto__` keys, too large, unknown charset) is
 *   otherwise answered with a bare text response;
 * - a deeply nested body or `filter` makes core's parameter merging overflow the stack (a 5xx).
 */
import { RESOURCES } from '../constants';
import { badRequest, respondError } from './errors';

/** Deeper than any body or filter of ours can legitimately be. */
export const MAX_DEPTH = 32;

const OUR_PATH = new RegExp(`/(?:${Object.values(RESOURCES).join('|')}):`);
const PARSED = Symbol('open2fa.bodyParsed');

const isOurs = (ctx: any) => OUR_PATH.test(ctx.path || '');

/** Nesting depth of a parsed JSON value, without recursion; stops counting past `limit`. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v as object)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Bracket nesting of JSON text, strings skipped; a cheap look at a query parameter before core parses it. */
export function textDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (++depth > limit) return true;
    } else if (c === '}' || c === ']') depth--;
  }
  return false;
}

/** Runs before the body parser: its refusals of requests to our resources become TWO_FACTOR_BAD_REQUEST. */
export async function catchBodyErrors(ctx: any, next: () => Promise<void>) {
  if (!isOurs(ctx)) return next();
  try {
    await next();
  } catch (err: any) {
    // Only the parser's own refusals: raw-body's typed errors, co-body's (status 400/413/415), zlib's for a bad Content-Encoding.
    const status = Number(err?.status || err?.statusCode);
    const fromParser = typeof err?.type === 'string' || [400, 413, 415].includes(status) || err?.code?.startsWith?.('Z_');
    if (ctx.state?.[PARSED] || !fromParser) throw err;
    const reason =
      status === 413 ? 'is larger than the server accepts' : status === 415 || err?.code?.startsWith?.('Z_') ? 'has an unsupported or broken encoding' : 'is not valid JSON or form data';
    respondError(ctx, badRequest('body', reason));
  }
}

/** Runs right after the body parser: refuses bodies and filters nested deeper than MAX_DEPTH. */
export async function limitDepth(ctx: any, next: () => Promise<void>) {
  if (!isOurs(ctx)) return next();
  if (ctx.state) ctx.state[PARSED] = true;
  if (depthExceeds(ctx.request?.body, MAX_DEPTH)) {
    return respondError(ctx, badRequest('body', `is nested deeper than ${MAX_DEPTH} levels`));
  }
  for (const [key, value] of Object.entries(ctx.query || {})) {
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((t) => typeof t === 'string' && textDepthExceeds(t, MAX_DEPTH))) {
      return respondError(ctx, badRequest(key, `is nested deeper than ${MAX_DEPTH} levels`));
    }
  }
  return next();
}
