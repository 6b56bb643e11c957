/** "Chrome on Windows" from a user agent: enough to tell devices apart, not to fingerprint. */

const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrome\/|Chromium\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];

// iOS before macOS and Android before Linux: their agents also name the latter.
const SYSTEMS: [RegExp, string][] = [
  [/Windows/, 'Windows'],
  [/iPhone|iPad|iPod|iOS/, 'iOS'],
  [/Android/, 'Android'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

const first = (table: [RegExp, string][], ua: string) => table.find(([re]) => re.test(ua))?.[1];

/**
 * The browser and system of a user agent joined by `joiner` ("Chrome on Windows"); an unknown
 * browser is named by the agent's first word ("curl"), a missing one "an unknown browser".
 */
export function describeBrowser(userAgent: string | null | undefined, joiner = ' on '): string {
  const ua = userAgent || '';
  const browser = first(BROWSERS, ua) ?? (ua ? ua.split(/[\s/]/)[0].slice(0, 40) : 'an unknown browser');
  const os = first(SYSTEMS, ua);
  return os ? `${browser}${joiner}${os}` : browser;
}
