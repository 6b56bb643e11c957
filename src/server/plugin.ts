/** Wires the modules together. Each piece lives in its own file; this one only connects them. */
import { Application, Plugin } from '@nocobase/server';
import PluginVerificationServer from '@nocobase/plugin-verification';
import { tval } from '@nocobase/utils';
import {
  ACL_SNIPPET,
  COLLECTIONS,
  DEFAULT_TOTP_VERIFIER,
  ERROR_CODES,
  EVENT_TYPES,
  FACTOR_TYPES,
  NAMESPACE,
  PLUGIN_SYMBOL,
  RESOURCES,
  SCENE,
} from '../constants';
import { checkEventListParams } from './actions/events';
import { createMeActions, ME_ACTIONS } from './actions/me';
import { createSettingsActions } from './actions/settings';
import { createTwoFactorActions, TWO_FACTOR_ACTIONS } from './actions/two-factor';
import { createUsersActions, USERS_ACTIONS } from './actions/users';
import registerTwoFactorResetCommand from './commands/two-factor-reset';
import { Attempts } from './attempts';
import { Audit } from './audit';
import { Challenges } from './challenge';
import enUS from '../locale/en-US.json';
import zhCN from '../locale/zh-CN.json';
import { collections } from './collections';
import { secretBoxFromEnv } from './crypto';
import { badRequest, respondError, TwoFactorError } from './errors';
import { BackupCodes } from './factors/backup-codes';
import { emailOtpFactor, emailOtpOptionProblems } from './factors/email-otp';
import { EmailOTPVerification } from './factors/email-otp/verification';
import { OtpEngine } from './factors/otp/engine';
import { smsOtpFactor } from './factors/sms-otp';
import { totpFactor } from './factors/totp';
import { totpOptionProblems } from './factors/totp/totp';
import { TOTPVerification } from './factors/totp/verification';
import { FactorRegistry } from './factors/types';
import { verificationTypeFactor } from './factors/verification-type';
import { onPasswordChanged, resetUserTwoFactor } from './lifecycle';
import { Notices } from './notices';
import { Policy } from './policy';
import type { Services } from './services';
import { SettingsStore } from './settings';
import { catchBodyErrors, limitDepth } from './request-guard';
import { createSignInGuard, enforcementDisabledByEnv } from './sign-in-guard';
import { TrustedDevices } from './trusted-devices';
import { createUnbindGuard } from './verification-page';
import { VerifierDirectory } from './verifiers';

/** Collections reached only through our actions: their generic CRUD resources stay closed. */
const INTERNAL_COLLECTIONS = [
  COLLECTIONS.challenges,
  COLLECTIONS.userStates,
  COLLECTIONS.totpSteps,
  COLLECTIONS.backupCodes,
  COLLECTIONS.trustedDevices,
  COLLECTIONS.otps,
  COLLECTIONS.seenDevices,
];

/** Reached only through their allow rule (public, loggedIn): role data scopes never apply. */
const ALLOW_RULE_ONLY = new Set<string>([RESOURCES.twoFactor, RESOURCES.me]);
/** Reached only by root or through the ACL snippet: role strategies ("view everything") never apply. */
const SNIPPET_ONLY = new Set<string>([RESOURCES.settings, RESOURCES.users, RESOURCES.events]);

/**
 * NocoBase applies a role's general strategy (e.g. members may "view" every resource) to any
 * resource while no custom collection exists. Our resources must not be reachable that way:
 * admin resources need root or the snippet, the others exactly their allow rule.
 */
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

export class PluginTwoFactorAuthServer extends Plugin {
  services!: Services;

  /** Run by NocoBase before any app exists, so `nocobase two-factor:reset` is known to the CLI. */
  static async staticImport() {
    Application.addCommand(registerTwoFactorResetCommand);
  }

  async beforeLoad() {
    for (const options of collections) this.db.collection(options);
  }

  private get verificationManager() {
    const verification = this.app.pm.get('verification') as PluginVerificationServer | undefined;
    if (!verification?.verificationManager) {
      throw new Error(`${NAMESPACE} needs @nocobase/plugin-verification to be enabled`);
    }
    return verification.verificationManager;
  }

  async load() {
    // Server-side messages (errors, notices, mails) in every language we ship, whether NocoBase
    // found our locale files or not.
    for (const [lng, resources] of [['en-US', enUS], ['zh-CN', zhCN]] as const) {
      this.app.i18n.addResources(lng, NAMESPACE, resources);
    }
    const manager = this.verificationManager;
    manager.registerVerificationType(FACTOR_TYPES.totp, {
      title: tval('Authenticator app (TOTP)', { ns: NAMESPACE }),
      description: tval('Time-based one-time codes from an authenticator app such as Google Authenticator, Microsoft Authenticator or 1Password.', { ns: NAMESPACE }),
      bindingRequired: true,
      verification: TOTPVerification,
    });
    manager.registerVerificationType(FACTOR_TYPES.emailOtp, {
      title: tval('Email OTP', { ns: NAMESPACE }),
      description: tval('One-time codes sent to your email address.', { ns: NAMESPACE }),
      bindingRequired: true,
      verification: EmailOTPVerification,
    });
    // Our scene rule: every type that binds to a user is eligible for 2FA, ours and third-party.
    manager.addSceneRule((scene, type) => scene === SCENE && !!manager.verificationTypes.get(type)?.bindingRequired);

    const factors = new FactorRegistry((type) =>
      manager.verificationTypes.get(type) ? verificationTypeFactor(manager, type) : undefined,
    );
    factors.register(totpFactor);
    factors.register(emailOtpFactor);
    factors.register(smsOtpFactor);
    const verifiers = new VerifierDirectory(this.app, manager);
    // Read through the services object so a key change (tests, future hot reload) applies everywhere.
    const box = () => this.services.box;
    this.services = {
      app: this.app,
      box: secretBoxFromEnv(),
      settings: new SettingsStore(this.app),
      verifiers,
      policy: new Policy(this.app, verifiers),
      challenges: new Challenges(this.app),
      attempts: await Attempts.create(this.app),
      audit: new Audit(this.app),
      factors,
      backupCodes: new BackupCodes(this.app, box),
      devices: new TrustedDevices(this.app, box),
      otps: new OtpEngine(this.app, box),
      notices: undefined as unknown as Notices,
    };
    this.services.notices = new Notices(this.services);
    // Code bundled or instantiated apart (CLI command, plugin-verification's classes) finds us here.
    (this.app as any)[PLUGIN_SYMBOL] = this;

    this.defineResources();
    // Malformed or absurdly nested requests to our resources get our 400, never a bare or 5xx answer.
    this.app.use(catchBodyErrors, { tag: 'open2fa-body-errors', after: 'logger', before: 'bodyParser' });
    this.app.use(limitDepth, { tag: 'open2fa-depth', after: 'bodyParser', before: 'dataSource' });
    this.app.resourceManager.registerPreActionHandler('auth:signIn', createSignInGuard(this.services));
    this.app.resourceManager.registerPreActionHandler('verifiers:unbind', createUnbindGuard(this.services));
    this.renderOurErrorsEverywhere();
    this.watchVerifiers();
    this.followUsers();

    if (enforcementDisabledByEnv()) {
      this.app.log.warn(
        `${NAMESPACE}: TWO_FACTOR_ENFORCEMENT=off — two-factor authentication is NOT enforced. ` +
          'Every password sign-in gets a session without a second factor. Remove the variable and restart as soon as access is restored.',
      );
    }
  }

  private defineResources() {
    const { resourceManager, acl } = this.app;
    resourceManager.define({ name: RESOURCES.twoFactor, only: TWO_FACTOR_ACTIONS, actions: createTwoFactorActions(this.services) });
    const settingsActions = createSettingsActions(this.services);
    resourceManager.define({
      name: RESOURCES.settings,
      only: ['get', 'update'],
      actions: {
        get: settingsActions.get,
        // A plain resource without filterByTk (design §3): core's filter guard must not apply.
        update: { handler: settingsActions.update, forceUpdate: true },
      },
    });
    // Read-only audit trail: the generic `list` and nothing else, with its parameters checked.
    resourceManager.define({ name: RESOURCES.events, only: ['list'] });
    resourceManager.registerPreActionHandler(`${RESOURCES.events}:list`, checkEventListParams);
    for (const name of INTERNAL_COLLECTIONS) resourceManager.define({ name, only: ['__none__'] });

    resourceManager.define({ name: RESOURCES.me, only: ME_ACTIONS, actions: createMeActions(this.services) });
    resourceManager.define({ name: RESOURCES.users, only: USERS_ACTIONS, actions: createUsersActions(this.services) });

    acl.use(guardOurResources(acl), { tag: 'open2fa-acl', after: 'allow-manager', before: 'core' });
    acl.allow(RESOURCES.twoFactor, TWO_FACTOR_ACTIONS, 'public');
    acl.allow(RESOURCES.me, ME_ACTIONS, 'loggedIn');
    acl.registerSnippet({
      name: ACL_SNIPPET,
      actions: [`${RESOURCES.settings}:get`, `${RESOURCES.settings}:update`, `${RESOURCES.users}:*`, `${RESOURCES.events}:list`],
    });
  }

  /**
   * Our errors can also be thrown inside other plugins' actions (plugin-verification's bind, a
   * verifier save hook): render them with the same contract there too.
   */
  private renderOurErrorsEverywhere() {
    const errorHandler = (this.app.pm.get('error-handler') as any)?.errorHandler;
    errorHandler?.register(
      (err: unknown) => err instanceof TwoFactorError,
      (err: TwoFactorError, ctx: any) => respondError(ctx, err),
    );
  }

  /** Verifier options are edited in plugin-verification's generic form: check TOTP ones on save; keep the cache fresh. */
  private watchVerifiers() {
    const checks: Record<string, (options: unknown) => [string, string][]> = {
      [FACTOR_TYPES.totp]: totpOptionProblems,
      [FACTOR_TYPES.emailOtp]: emailOtpOptionProblems,
    };
    this.db.on('verifiers.beforeSave', async (model: any) => {
      const check = checks[model.get('verificationType')];
      const [problem] = check ? check(model.get('options') || {}) : [];
      if (problem) throw badRequest(`options.${problem[0]}`, problem[1]);
    });
    for (const event of ['verifiers.afterSave', 'verifiers.afterDestroy']) {
      this.db.on(event, async (_model: unknown, options: any) => {
        await this.services.verifiers.invalidate();
        // Saves run in a transaction: a read on another request (or instance) between this hook
        // and the commit would put the old list back into the shared cache; clear it again.
        options?.transaction?.afterCommit?.(() => this.services.verifiers.invalidate());
      });
    }
  }

  /** A password change ends device trusts and open challenges; a deleted user leaves nothing behind. */
  private followUsers() {
    this.db.on('users.afterUpdate', async (user: any, options: any) => {
      if (user.changed?.('password')) await onPasswordChanged(this.services, user.get('id'), options?.transaction);
    });
    this.db.on('users.afterDestroy', async (user: any, options: any) => {
      const userId = user.get('id');
      const transaction = options?.transaction;
      for (const name of [
        COLLECTIONS.challenges,
        COLLECTIONS.totpSteps,
        COLLECTIONS.userStates,
        COLLECTIONS.backupCodes,
        COLLECTIONS.trustedDevices,
        COLLECTIONS.otps,
        COLLECTIONS.seenDevices,
      ]) {
        await this.db.getCollection(name).model.destroy({ where: { userId }, transaction });
      }
    });
  }

  /** Break-glass reset by email or username (the `two-factor:reset` command). Null when no such user. */
  async resetByAccount(account: string): Promise<{ userId: number; verifiers: string[] } | null> {
    const user: any = await this.db.getRepository('users').findOne({ filter: { $or: [{ email: account }, { username: account }] } });
    if (!user) return null;
    const userId = user.get('id');
    const verifiers = await resetUserTwoFactor(this.services, userId);
    await this.services.audit.record({ userId, type: EVENT_TYPES.adminReset, detail: { by: 'cli', verifiers } });
    await this.services.notices.notify(userId, 'admin_reset');
    return { userId, verifiers };
  }

  async install() {
    await this.services.settings.ensureDefaults();
    const repo = this.db.getRepository('verifiers');
    if (!(await repo.findOne({ filterByTk: DEFAULT_TOTP_VERIFIER }))) {
      await repo.create({
        values: { name: DEFAULT_TOTP_VERIFIER, title: 'Authenticator app', verificationType: FACTOR_TYPES.totp, options: {} },
      });
    }
  }
}

export default PluginTwoFactorAuthServer;
