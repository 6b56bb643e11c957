/** Finds the plugin's services from an app (for classes plugin-verification instantiates). */
import type { Application } from '@nocobase/server';
import { PLUGIN_SYMBOL } from '../constants';
import type { Services } from './services';

export function servicesOf(app: Application): Services {
  const services = (app as any)?.[PLUGIN_SYMBOL]?.services;
  if (!services) throw new Error('open2fa: the two-factor plugin is not loaded in this app');
  return services;
}
