/** `twoFactorSettings:get|update` (design §3). Admin only, through the ACL snippet. */
import { ERROR_CODES, EVENT_TYPES } from '../../constants';
import { badRequest, TwoFactorError, withErrors } from '../errors';
import type { Services } from '../services';
import { enforcementDisabledByEnv } from '../env';
import { requestInfo } from '../request';
import { clusterWithoutSharedCache, parseSettingsUpdate, Settings } from '../settings';
import { parseValues } from '../validation';

export function createSettingsActions(services: Services) {
  const { app, verifiers } = services;

  /** Names in `wanted` that are not existing verifiers of an eligible type. */
  async function unknownVerifiers(wanted: string[]) {
    if (!wanted.length) return [];
    const rows = await app.db.getRepository('verifiers').find({ filter: { name: { $in: wanted } } });
    const ok = new Set(rows.filter((r: any) => verifiers.isEligibleType(r.get('verificationType'))).map((r: any) => r.get('name')));
    return wanted.filter((n) => !ok.has(n));
  }

  async function unknownRoles(wanted: string[]) {
    if (!wanted.length) return [];
    const rows = await app.db.getRepository('roles').find({ filter: { name: { $in: wanted } } });
    const ok = new Set(rows.map((r: any) => r.get('name')));
    return wanted.filter((n) => !ok.has(n));
  }

  /** What the admin tab offers to pick from: eligible verifiers and the roles people sign in with. */
  async function choices() {
    const roles = await app.db.getRepository('roles').find({ fields: ['name', 'title'], sort: ['name'] });
    return {
      verifiers: (await verifiers.eligibleVerifiers()).map(({ name, title, verificationType }) => ({ name, title, verificationType })),
      roles: roles
        .map((r: any) => ({ name: r.get('name') as string, title: (r.get('title') as string) || r.get('name') }))
        .filter((r: { name: string }) => r.name !== 'anonymous'),
    };
  }

  /** No eligible verifier is offered: required users cannot sign in. */
  async function nothingOffered(settings: Settings) {
    return (await verifiers.offered(settings)).length === 0;
  }

  async function get(ctx: any, next: () => Promise<void>) {
    parseValues(ctx.action.params.values, {});
    const settings = await services.settings.get();
    ctx.body = {
      ...settings,
      enforcementDisabledByEnv: enforcementDisabledByEnv(),
      // Counters and limits per process in a cluster (S1): the admin tab warns.
      clusterWithoutSharedCache: clusterWithoutSharedCache(app),
      // Required users cannot sign in while no verifier is offered (C5): the admin tab warns.
      nothingOffered: await nothingOffered(settings),
      // Where the encryption key comes from, and a refused weak key still read for old data (F3).
      keySource: services.keyInfo.source,
      weakKey: services.keyInfo.weakKey,
      choices: await choices(),
    };
    await next();
  }

  async function update(ctx: any, next: () => Promise<void>) {
    const { confirm, ...values } = parseSettingsUpdate(ctx.action.params.values);
    if (values.verifiers) {
      const unknown = await unknownVerifiers(values.verifiers);
      if (unknown.length) throw badRequest('verifiers', `unknown or ineligible verifiers: ${unknown.join(', ')}`);
    }
    if (values.enforcedRoles) {
      const unknown = await unknownRoles(values.enforcedRoles);
      if (unknown.length) throw badRequest('enforcedRoles', `unknown roles: ${unknown.join(', ')}`);
    }
    const current = await services.settings.get();
    const proposed: Settings = { ...current, ...values };
    if (values.verifiers && !confirm) {
      const users = await services.policy.orphanedBy(current, proposed);
      if (users > 0) throw new TwoFactorError(ERROR_CODES.ORPHANS_USERS, { users });
    }
    const saved = await services.settings.save(values);
    const changed = Object.keys(values).filter((k) => JSON.stringify(current[k]) !== JSON.stringify(saved[k]));
    if (changed.length) {
      await services.audit.record(
        { userId: ctx.auth?.user?.id ?? null, type: EVENT_TYPES.settingsChanged, detail: { changed } },
        requestInfo(ctx),
      );
    }
    ctx.body = {
      ...saved,
      enforcementDisabledByEnv: enforcementDisabledByEnv(),
      clusterWithoutSharedCache: clusterWithoutSharedCache(app),
      nothingOffered: await nothingOffered(saved),
    };
    await next();
  }

  return { get: withErrors(get), update: withErrors(update) };
}
