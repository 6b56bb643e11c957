/** Translation in the plugin's namespace, for code with the app at hand and for components. */
import { useMemo } from 'react';
import { HostApp as Application, useApp } from './host';
import { NAMESPACE } from '../../constants';

export type T = (key: string, options?: Record<string, unknown>) => string;

/** Our namespace; values are not HTML-escaped (React does that), so dates and names stay as typed. */
export function translator(app: Application): T {
  return (key, options) => app.i18n.t(key, { ns: NAMESPACE, interpolation: { escapeValue: false }, ...options });
}

export function useT(): T {
  const app = useApp();
  return useMemo(() => translator(app), [app]);
}
