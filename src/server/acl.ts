/**
 * Who may reach our resources. NocoBase applies a role's general strategy (e.g. members may "view"
 * every resource) to any resource while no custom collection exists; ours must not be reachable
 * that way: admin resources need root or the snippet, the others exactly their allow rule.
 */
import type { Application } from '@nocobase/server';
import { ACL_SNIPPET, ERROR_CODES, RESOURCES } from '../constants';
import { TwoFactorError } from './errors';

/** Reached only through their allow rule (public, loggedIn): role data scopes never apply. */
const ALLOW_RULE_ONLY = new Set<string>([RESOURCES.twoFactor, RESOURCES.me]);
/** Reached only by root or through the ACL snippet: role strategies ("view everything") never apply. */
const SNIPPET_ONLY = new Set<string>([RESOURCES.settings, RESOURCES.users, RESOURCES.events]);

function guardOurResources(acl: any) {
  return async (ctx: any, next: () => Promise<void>) => {
    const resource = ctx.action?.resourceName;
    const permission = ctx.permission;
    if (permission && ALLOW_RULE_ONLY.has(resource)) {
      permission.can = null;
    } else if (permission && SNIPPET_ONLY.has(resource)) {
      const action = ctx.action.actionName;
      const roles: string[] = ctx.state?.currentRoles?.length ? ctx.state.currentRoles : [ctx.state?.currentRole].filter(Boolean);
      const role = roles.find((r) => r === 'root' || acl.getRole(r)?.snippetAllowed(`${resource}:${action}`) === true);
      if (!role) throw new TwoFactorError(ERROR_CODES.NO_PERMISSION);
      permission.can = { role, resource, action };
    }
    await next();
  };
}

/** The sign-in step is public, the personal center needs a session, the admin resources the snippet. */
export function defineAcl(app: Application, actions: { twoFactor: string[]; me: string[] }) {
  const { acl } = app;
  acl.use(guardOurResources(acl), { tag: 'open2fa-acl', after: 'allow-manager', before: 'core' });
  acl.allow(RESOURCES.twoFactor, actions.twoFactor, 'public');
  acl.allow(RESOURCES.me, actions.me, 'loggedIn');
  acl.registerSnippet({
    name: ACL_SNIPPET,
    actions: [`${RESOURCES.settings}:get`, `${RESOURCES.settings}:update`, `${RESOURCES.users}:*`, `${RESOURCES.events}:list`],
  });
}
