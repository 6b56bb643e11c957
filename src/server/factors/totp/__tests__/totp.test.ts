import { createHmac } from 'node:crypto';
import { ScureBase32Plugin } from '@otplib/plugin-base32-scure';
import { codeAtStep, generateTotpSecret, matchStep, normalizeCode, otpauthUri, totpOptionProblems, totpOptions, TOTP_DEFAULTS } from '../totp';

const base32 = new ScureBase32Plugin();
const ascii = (s: string) => base32.encode(new TextEncoder().encode(s), { padding: false });

// RFC 6238 Appendix B: seeds are the ASCII string "1234567890" repeated to the hash's key size.
const SEED_SHA1 = ascii('12345678901234567890');
const SEED_SHA256 = ascii('12345678901234567890123456789012');
const SEED_SHA512 = ascii('1234567890123456789012345678901234567890123456789012345678901234');

const RFC6238: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP math', () => {
  it.each(RFC6238)('matches RFC 6238 Appendix B at T=%i', (time, sha1, sha256, sha512) => {
    const step = Math.floor(time / 30);
    expect(codeAtStep(SEED_SHA1, step, { algorithm: 'SHA1', digits: 8, period: 30 })).toBe(sha1);
    expect(codeAtStep(SEED_SHA256, step, { algorithm: 'SHA256', digits: 8, period: 30 })).toBe(sha256);
    expect(codeAtStep(SEED_SHA512, step, { algorithm: 'SHA512', digits: 8, period: 30 })).toBe(sha512);
  });

  it('matches RFC 4226 Appendix D (HOTP counters 0-9)', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => {
      expect(codeAtStep(SEED_SHA1, counter, { algorithm: 'SHA1', digits: 6, period: 30 })).toBe(code);
    });
  });

  it('accepts codes within the drift window and says which step matched', () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_000;
    const step = Math.floor(now / 30);
    const opts = { ...TOTP_DEFAULTS };
    expect(matchStep(secret, codeAtStep(secret, step, opts), opts, now)).toBe(step);
    expect(matchStep(secret, codeAtStep(secret, step - 1, opts), opts, now)).toBe(step - 1);
    expect(matchStep(secret, codeAtStep(secret, step + 1, opts), opts, now)).toBe(step + 1);
    expect(matchStep(secret, codeAtStep(secret, step - 2, opts), opts, now)).toBeNull();
    expect(matchStep(secret, codeAtStep(secret, step + 2, opts), opts, now)).toBeNull();
    expect(matchStep(secret, codeAtStep(secret, step - 1, opts), { ...opts, window: 0 }, now)).toBeNull();
  });

  it('agrees with an independent HMAC implementation for SHA256, 8 digits, 60 s period', () => {
    const secret = generateTotpSecret();
    const key = Buffer.from(base32.decode(secret));
    const step = 28_333_333;
    const msg = Buffer.alloc(8);
    msg.writeBigUInt64BE(BigInt(step));
    const mac = createHmac('sha256', key).update(msg).digest();
    const offset = mac[mac.length - 1] & 0xf;
    const bin = mac.readUInt32BE(offset) & 0x7fffffff;
    const expected = String(bin % 1e8).padStart(8, '0');
    expect(codeAtStep(secret, step, { algorithm: 'SHA256', digits: 8, period: 60 })).toBe(expected);
  });

  it('makes 160-bit base32 secrets that differ every time', () => {
    const a = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32.decode(a)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(a);
  });

  it('normalises input and refuses anything but the right number of digits', () => {
    expect(normalizeCode(' 123 456 ', 6)).toBe('123456');
    expect(normalizeCode('123-456', 6)).toBe('123456');
    expect(normalizeCode('12345', 6)).toBeNull();
    expect(normalizeCode('12345a', 6)).toBeNull();
    expect(normalizeCode('１２３４５６', 6)).toBeNull();
  });

  it('writes a Key-URI-format otpauth URI', () => {
    const uri = otpauthUri({
      secret: 'JBSWY3DPEHPK3PXP',
      issuer: 'ACME Co',
      label: 'jane@example.com',
      totp: { ...TOTP_DEFAULTS, algorithm: 'SHA256', digits: 8, period: 60 },
    });
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(uri.startsWith('otpauth://totp/ACME%20Co:jane%40example.com?')).toBe(true);
    expect(url.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
    expect(url.searchParams.get('issuer')).toBe('ACME Co');
    expect(url.searchParams.get('algorithm')).toBe('SHA256');
    expect(url.searchParams.get('digits')).toBe('8');
    expect(url.searchParams.get('period')).toBe('60');
  });

  it('validates verifier options and falls back to defaults for bad values', () => {
    expect(totpOptionProblems({ algorithm: 'SHA256', digits: 8, period: 60, window: 2, issuer: 'X' })).toEqual([]);
    expect(totpOptionProblems({ algorithm: 'MD5' }).map(([f]) => f)).toEqual(['algorithm']);
    expect(totpOptionProblems({ digits: '6' }).map(([f]) => f)).toEqual(['digits']);
    expect(totpOptionProblems({ period: 1 }).map(([f]) => f)).toEqual(['period']);
    expect(totpOptionProblems({ foo: 1 }).map(([f]) => f)).toEqual(['foo']);
    expect(totpOptions({ algorithm: 'MD5', digits: 8 })).toEqual({ ...TOTP_DEFAULTS, digits: 8 });
  });
});
