/**
 * The NocoBase cores the plugin runs on (README, "Supported NocoBase versions"): 2.2.0 and later
 * 2.x releases. 2.0 and 2.1 cannot be tested (`npm run test:versions`: their @nocobase packages
 * are not all published), so enabling the plugin there is refused with a message naming what is
 * supported, before anything is installed.
 */
import { NAMESPACE } from '../constants';

export const SUPPORTED_CORE = {
  /** The oldest supported core. */
  min: '2.2.0',
  /** The first major release that is not supported. */
  belowMajor: 3,
  /** The release the suites ran on. */
  tested: '2.2.15',
} as const;

export const UNSUPPORTED_CORE_MESSAGE =
  'Two-factor authentication supports NocoBase {{min}} and later 2.x releases (tested on {{tested}}); this app runs NocoBase {{version}}. Upgrade NocoBase, then enable the plugin.';

const parts = (version: string) => (/^(\d+)\.(\d+)\.(\d+)/.exec(version) || []).slice(1).map(Number);

/** Whether `version` (e.g. "2.2.15", "2.3.0-beta.1") is a supported core. An unreadable version is not. */
export function isSupportedCore(version: string): boolean {
  const v = parts(version);
  if (v.length !== 3) return false;
  if (v[0] >= SUPPORTED_CORE.belowMajor) return false;
  const min = parts(SUPPORTED_CORE.min);
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

interface CoreApp {
  getPackageVersion?: () => string;
  getVersion?: () => string;
  i18n: { t: (key: string, options: Record<string, unknown>) => string; language?: string };
}

/** The running core's version (@nocobase/server's package version). */
export function coreVersion(app: CoreApp): string {
  return String(app.getPackageVersion?.() ?? app.getVersion?.() ?? '');
}

/** Throws, in the app's language, when the running core is not supported. */
export function refuseUnsupportedCore(app: CoreApp) {
  const version = coreVersion(app);
  if (isSupportedCore(version)) return;
  const params = { min: SUPPORTED_CORE.min, tested: SUPPORTED_CORE.tested, version: version || '?', interpolation: { escapeValue: false } };
  throw new Error(app.i18n.t(UNSUPPORTED_CORE_MESSAGE, { ns: NAMESPACE, lng: app.i18n.language, ...params }));
}
