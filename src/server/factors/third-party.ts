/**
 * Any other verification type registered with plugin-verification (`bindingRequired: true`) takes
 * part in our flows through its own `bind` and `verify` — the extension point for plugin authors.
 * Our challenge, lock, attempts, audit and session still wrap every call.
 */
import { badRequest, TwoFactorError } from '../errors';
import { isPlainObject, parseValues, Schema } from '../validation';
import type { VerifierDirectory } from '../verifiers';
import type { FactorRegistry } from './registry';
import type { Factor, FactorInput } from './types';

const FORM_FIELDS_MAX = 20;
const FORM_FIELD_NAME = /^[A-Za-z0-9_]{1,64}$/;
const FORM_VALUE_MAX_LENGTH = 1024;

/**
 * Splits a request body into our fields (`schema`) and the other fields a third-party type's own
 * form sent beside them (its `bind`/`verify` read the whole body). Extra fields are plain: at most
 * 20, simple names, strings of at most 1024 characters, numbers or booleans.
 */
export function splitFormFields(values: unknown, schema: Schema): { ours: Record<string, unknown>; form: Record<string, unknown> } {
  if (!isPlainObject(values)) return { ours: values as Record<string, unknown>, form: {} };
  const ours: Record<string, unknown> = {};
  const form: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) (Object.prototype.hasOwnProperty.call(schema, key) ? ours : form)[key] = value;
  const keys = Object.keys(form);
  if (keys.length > FORM_FIELDS_MAX) throw badRequest(keys[FORM_FIELDS_MAX], 'is not a known field');
  for (const key of keys) {
    const v = form[key];
    const plain = typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= FORM_VALUE_MAX_LENGTH);
    if (!FORM_FIELD_NAME.test(key) || !plain) throw badRequest(key, 'is not a known field');
  }
  return { ours, form };
}

/**
 * The body of an action that checks a code (`bind`, `verify`): our fields, checked strictly, and
 * what another plugin's type's own form sent beside them. Our own types (and backup codes, and
 * unknown verifiers) take no other field and need `code`; `thirdPartyOnly` names fields of our
 * schema that only another plugin's type may send. Refused with 400 before anything else is read.
 * `isThirdParty` says whether a verifier name is another plugin's eligible verifier.
 */
export async function parseCodeBody<S extends Schema>(
  values: unknown,
  schema: S,
  isThirdParty: (verifier: string) => Promise<boolean>,
  thirdPartyOnly: string[] = [],
) {
  const { ours, form } = splitFormFields(values, schema);
  const parsed = parseValues(ours, schema);
  const { verifier, code, backupCode, credential } = parsed as { verifier?: string; code?: string; backupCode?: string; credential?: unknown };
  const extras = [...Object.keys(form), ...thirdPartyOnly.filter((f) => (parsed as Record<string, unknown>)[f] !== undefined)];
  if (verifier === undefined || (code !== undefined && !extras.length)) {
    if (extras.length) throw badRequest(extras[0], 'is not a known field');
    return parsed;
  }
  const thirdParty = backupCode === undefined && (await isThirdParty(verifier));
  if (extras.length && !thirdParty) throw badRequest(extras[0], 'is not a known field');
  // `credential` answers our WebAuthn type in place of a code (which type takes which: `answerOf`).
  if (code === undefined && credential === undefined && !thirdParty) throw badRequest('code', 'is required');
  return parsed;
}

/** Whether a verifier name is another plugin's eligible verifier (`parseCodeBody`'s `isThirdParty`). */
export function isThirdPartyVerifier(verifiers: Pick<VerifierDirectory, 'eligibleVerifiers'>, factors: Pick<FactorRegistry, 'isOwn'>) {
  return async (name: string) => {
    const named = (await verifiers.eligibleVerifiers()).find((v) => v.name === name);
    return !!named && !factors.isOwn(named.verificationType);
  };
}

/**
 * What `bind`/`verify` hand the factor: a `code`, or (for a factor whose `answer` is `credential`)
 * the parsed `credential`; 400 when the body answers the other way.
 */
export function answerOf(factor: Factor, values: { code?: string; credential?: unknown }) {
  if (factor.answer === 'credential') {
    if (values.code !== undefined) throw badRequest('code', 'is not a known field');
    if (values.credential === undefined) throw badRequest('credential', 'is required');
    return { code: '', credential: values.credential };
  }
  if (values.credential !== undefined) throw badRequest('credential', 'is not a known field');
  return { code: values.code ?? '', credential: undefined };
}

export function thirdPartyFactor(manager: any, type: string): Factor {
  const instance = (input: FactorInput) => {
    const VerificationClass = manager.getVerification(type);
    return new VerificationClass({ ctx: input.ctx, verifier: input.verifier, options: input.verifier.options || {} });
  };
  const refused = (input: FactorInput, err: unknown) => {
    if (err instanceof TwoFactorError) throw err;
    input.deps.app.log.debug?.(`open2fa: verification type ${type} refused: ${(err as Error)?.message}`);
    return { ok: false as const };
  };

  return {
    type,

    // The type's own BindForm gathers what its `bind` needs (it may call its own endpoints with
    // the challenge header); nothing to prepare here.
    async bindStart(input) {
      return { verifier: input.verifier.name };
    },

    async bindCheck(input) {
      try {
        const { uuid, meta } = await instance(input).bind(input.user.get('id') as number, 'twoFactor', 'bind');
        return { ok: true, binding: { uuid: String(uuid), meta: meta || {} } };
      } catch (err) {
        return refused(input, err);
      }
    },

    async verifyCheck(input, code) {
      const verification = instance(input);
      const userId = input.user.get('id') as number;
      try {
        const boundInfo = await verification.getBoundInfo(userId);
        const verifyResult = await verification.verify({
          resource: 'twoFactor',
          action: 'verify',
          userId,
          boundInfo,
          // Its own form's fields, with the code we were handed (a proof's `proofCode` is not the body's `code`).
          verifyParams: { ...(input.ctx?.action?.params?.values || {}), ...(code ? { code } : {}) },
        });
        return { ok: true, afterSuccess: async () => void (await verification.onActionComplete?.({ userId, verifyResult })) };
      } catch (err) {
        return refused(input, err);
      }
    },
  };
}
