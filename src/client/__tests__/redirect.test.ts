import { describe, expect, it } from 'vitest';
import { appPath, safeRedirect } from '../shared/redirect';

const ORIGIN = 'https://app.example.com';
const go = (redirect: unknown, base = '/') => safeRedirect(redirect, ORIGIN, base, '/admin');

describe('safeRedirect keeps paths of this app', () => {
  it('keeps a plain path', () => {
    expect(go('/admin')).toBe('/admin');
    expect(go('/admin/settings/two-factor')).toBe('/admin/settings/two-factor');
  });

  it('keeps the search and the hash', () => {
    expect(go('/admin/x?x=1#h')).toBe('/admin/x?x=1#h');
    expect(go('/admin?next=a%2Fb&y=%5C')).toBe('/admin?next=a%2Fb&y=%5C');
  });

  it('puts the path under a public path other than "/"', () => {
    expect(go('/admin?x=1#h', '/nocobase/')).toBe('/nocobase/admin?x=1#h');
    expect(go('/admin', '/nocobase')).toBe('/nocobase/admin');
    expect(go('/', '/nocobase/')).toBe('/nocobase/');
  });

  it('keeps redirects within a part of the app (the v2 client under /v/)', () => {
    expect(safeRedirect('/admin', ORIGIN, '/v/', '/')).toBe('/v/admin');
    expect(safeRedirect('/../admin', ORIGIN, '/v/', '/')).toBe('/v/');
  });

  it('reads a first segment with a colon as a path, not a scheme', () => {
    expect(go('/javascript:alert(1)')).toBe('/javascript:alert(1)');
  });

  it('gives the fallback when nothing was asked for', () => {
    expect(go(null)).toBe('/admin');
    expect(go(undefined)).toBe('/admin');
    expect(go('')).toBe('/admin');
    expect(go(null, '/nocobase/')).toBe('/nocobase/admin');
  });
});

describe('safeRedirect refuses every other place', () => {
  const vectors: [string, string][] = [
    ['a backslash after the slash', '/\\evil.com'],
    ['a backslash path', '\\\\evil.com'],
    ['slash backslash slash', '/\\/evil.com'],
    ['a protocol-relative URL', '//evil.com'],
    ['a protocol-relative URL with a path', '//evil.com/admin'],
    ['three slashes', '///evil.com'],
    ['a tab between the slashes (decoded %09)', '/\t/evil.com'],
    ['a newline between the slashes', '/\n/evil.com'],
    ['a carriage return between the slashes', '/\r/evil.com'],
    ['an encoded tab between the slashes', '/%09/evil.com'],
    ['an encoded newline', '/%0a/evil.com'],
    ['an encoded slash', '/%2F/evil.com'],
    ['an encoded slash, lower case', '/%2f%2fevil.com'],
    ['an encoded backslash', '/%5Cevil.com'],
    ['a doubly encoded backslash', '/%255Cevil.com'],
    ['a doubly encoded slash', '/%252F%252Fevil.com'],
    ['a javascript: URL', 'javascript:alert(document.cookie)'],
    ['a JavaScript: URL with a leading space', ' javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['an absolute URL to another host', 'https://evil.com/admin'],
    ['an absolute URL with user info', 'https://app.example.com@evil.com/'],
    ['an http URL', 'http://evil.com'],
    ['a relative path without a slash', 'evil.com'],
    ['a NUL byte', '/admin\u0000'],
    ['an undecodable path', '/%E0%A4%A'],
  ];
  for (const [name, redirect] of vectors) {
    it(`refuses ${name}`, () => {
      expect(go(redirect)).toBe('/admin');
      expect(go(redirect, '/nocobase/')).toBe('/nocobase/admin');
    });
  }

  it('never answers with another origin, whatever the input', () => {
    for (const [, redirect] of vectors) {
      const target = new URL(go(redirect), ORIGIN);
      expect(target.origin).toBe(ORIGIN);
    }
  });

  it('refuses a path that leaves the public path', () => {
    expect(go('/../other-app/admin', '/nocobase/')).toBe('/nocobase/admin');
    expect(go('/%2e%2e/other-app/admin', '/nocobase/')).toBe('/nocobase/admin');
  });

  it('falls back to the base itself when the fallback is refused too', () => {
    expect(safeRedirect('//evil.com', ORIGIN, '/nocobase/', '//evil.com')).toBe('/nocobase/');
  });
});

describe('appPath', () => {
  it('gives the path as the router sees it', () => {
    expect(appPath('/nocobase/admin?x=1', '/nocobase/')).toBe('/admin?x=1');
    expect(appPath('/admin', '/')).toBe('/admin');
  });
});
