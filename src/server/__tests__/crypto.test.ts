import { constantTimeEqual, DecryptError, generateKeyMaterial, isSafeKey, SecretBox, UnknownKeyError } from '../crypto';

describe('SecretBox (AES-256-GCM at rest)', () => {
  const box = new SecretBox('key-one');

  it('round-trips and never repeats a ciphertext', () => {
    const a = box.encrypt('JBSWY3DPEHPK3PXP', 'aad');
    const b = box.encrypt('JBSWY3DPEHPK3PXP', 'aad');
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(a).toMatch(/^v1\.[0-9a-f]{12}\.[\w-]{16}\.[\w-]+$/);
    expect(box.decrypt(a, 'aad')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses another associated data, a tampered ciphertext and garbage', () => {
    const c = box.encrypt('secret', 'totp:binding:1:totp');
    expect(() => box.decrypt(c, 'totp:binding:2:totp')).toThrow(DecryptError);
    const parts = c.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    expect(() => box.decrypt([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'totp:binding:1:totp')).toThrow(DecryptError);
    for (const junk of ['', 'v1', 'v2.a.b.c', 'v1.zz.AAAA.AAAA', null as any]) expect(() => box.decrypt(junk, 'x')).toThrow();
  });

  it('decrypts with an old key during rotation and says the ciphertext is stale', () => {
    const old = new SecretBox('old-key');
    const sealed = old.encrypt('s3cret', 'aad');
    const rotated = new SecretBox('new-key', ['old-key']);
    expect(rotated.decrypt(sealed, 'aad')).toBe('s3cret');
    expect(rotated.isStale(sealed)).toBe(true);
    expect(rotated.isStale(rotated.encrypt('s3cret', 'aad'))).toBe(false);
    expect(() => new SecretBox('new-key').decrypt(sealed, 'aad')).toThrow(UnknownKeyError);
  });

  it('calls a published placeholder or a key shorter than 32 bytes unsafe', () => {
    for (const weak of ['your-secret-key', 'test-key', 'test-key-for-vitest', 'x'.repeat(31), '', undefined, null]) {
      expect(isSafeKey(weak as any), String(weak)).toBe(false);
    }
    expect(isSafeKey('x'.repeat(32))).toBe(true);
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(isSafeKey('密'.repeat(11))).toBe(true);
    expect(isSafeKey(generateKeyMaterial())).toBe(true);
    expect(generateKeyMaterial()).not.toBe(generateKeyMaterial());
  });

  it('refuses to run without key material', () => {
    expect(() => new SecretBox('')).toThrow(/encryption key/);
  });

  it('makes keyed hashes that depend on key and purpose', () => {
    expect(box.hash('backup', 'abc')).toBe(box.hash('backup', 'abc'));
    expect(box.hash('backup', 'abc')).not.toBe(box.hash('device', 'abc'));
    expect(new SecretBox('other').hash('backup', 'abc')).not.toBe(box.hash('backup', 'abc'));
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
