/** Finds the plugin's services from an app (for classes plugin-verification instantiates). */
import type { Application } from '@nocobase/server';
import type { Services } from './services';

const byApp = new WeakMap<object, Services>();

export function registerServices(app: Application, services: Services) {
  byApp.set(app, services);
}

export function servicesOf(app: Application): Services {
  const services = byApp.get(app);
  if (!services) throw new Error('open2fa: the two-factor plugin is not loaded in this app');
  return services;
}
