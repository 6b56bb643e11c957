/**
 * Test harness: a real NocoBase server (createMockServer) with the plugins 2FA needs, real HTTP
 * through app.agent(), and TOTP codes computed by an independent RFC 6238 implementation. The
 * pieces live in test-support/ (shared with the hostile suite and the benchmarks).
 */
import { rfcTotp as independentTotp, wrongCode as wrongTotp } from '../../../test-support/totp.mjs';

export {
  advanceClock,
  BASE_PLUGINS,
  call,
  createApp,
  createUser,
  destroyApp,
  dumpTables,
  enrol,
  PASSWORD,
  restoreClock,
  rootAgent,
  setSettings,
  signIn,
} from '../../../test-support/mock-app';

/** Error code of a `{ errors: [{ code }] }` body. */
export const errorCode = (res: { body: any }) => res.body?.errors?.[0]?.code;
export const errorOf = (res: { body: any }) => res.body?.errors?.[0];

/** The code of `secret` (base32) now, `stepOffset` steps away, or at `time` (RFC 4226 / 6238). */
export const rfcTotp: (secret: string, options?: { stepOffset?: number; time?: number; algorithm?: string; digits?: number; period?: number }) => string =
  independentTotp;

/** A wrong code that is guaranteed not to match any step of the drift window. */
export const wrongCode: (secret: string) => string = wrongTotp;
