/** Wires the modules together: collections, factor types, resources, ACL, the guards and hooks. */
import { Application, Plugin } from '@nocobase/server';
import PluginVerificationServer from '@nocobase/plugin-verification';
import { tval } from '@nocobase/utils';
import { NAMESPACE, PLUGIN_SYMBOL, RESOURCES, SCENE } from '../constants';
import enUS from '../locale/en-US.json';
import zhCN from '../locale/zh-CN.json';
import { defineAcl } from './acl';
import { refuseUnsupportedCore } from './core-version';
import { checkEventListParams } from './actions/events';
import { createMeActions, ME_ACTIONS } from './actions/me';
import { createSettingsActions } from './actions/settings';
import { createTwoFactorActions, TWO_FACTOR_ACTIONS } from './actions/two-factor';
import { createUsersActions, USERS_ACTIONS } from './actions/users';
import { collections, PER_USER_COLLECTIONS } from './collections';
import registerTwoFactorResetCommand from './commands/two-factor-reset';
import { installDefaultVerifier } from './default-verifier';
import { loadEncryptionKeys } from './encryption-key';
import { enforcementDisabledByEnv } from './env';
import { respondError, TwoFactorError } from './errors';
import { createFactorRegistry, FACTORS } from './factors';
import { registerHooks } from './hooks';
import { createBindGuard, createUnbindGuard } from './plugin-verification-guard';
import { catchBodyErrors, limitDepth } from './request-guard';
import { resealAtStart } from './reseal';
import { createServices, Services } from './services';
import { clusterWithoutSharedCache } from './settings';
import { createSignInGuard } from './sign-in-guard';
import { markOwnSignInHandler, registerSessionAudit } from './flows/sign-in';
import { VerifierDirectory } from './verifiers';

export class PluginTwoFactorAuthServer extends Plugin {
  services!: Services;

  /** Run by NocoBase before any app exists, so `nocobase two-factor:reset` is known to the CLI. */
  static async staticImport() {
    Application.addCommand(registerTwoFactorResetCommand);
  }

  async beforeLoad() {
    this.refuseUnsupportedCore();
    for (const options of collections) this.db.collection(options);
  }

  /** `pm enable` on a core we do not support stops here, before anything is installed. */
  async beforeEnable() {
    this.refuseUnsupportedCore();
  }

  private refuseUnsupportedCore() {
    for (const [lng, resources] of [['en-US', enUS], ['zh-CN', zhCN]] as const) {
      this.app.i18n.addResources(lng, NAMESPACE, resources);
    }
    refuseUnsupportedCore(this.app);
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
    for (const { type, title, description, verification } of FACTORS) {
      if (!verification) continue;
      manager.registerVerificationType(type, {
        title: tval(title || type, { ns: NAMESPACE }),
        description: description ? tval(description, { ns: NAMESPACE }) : undefined,
        bindingRequired: true,
        verification,
      });
    }
    // Our scene rule: every type that binds to a user is eligible for 2FA, ours and third-party.
    manager.addSceneRule((scene, type) => scene === SCENE && !!manager.verificationTypes.get(type)?.bindingRequired);

    const keys = await loadEncryptionKeys(this.app.name, this.app.log);
    this.services = await createServices(this.app, new VerifierDirectory(this.app, manager), createFactorRegistry(manager), keys.box, keys.info);
    // Secrets sealed under an older or refused key move to the current one (tables exist by then).
    this.app.on('afterStart', () => resealAtStart(this.services));
    // Code bundled or instantiated apart (CLI command, plugin-verification's classes) finds us here.
    (this.app as any)[PLUGIN_SYMBOL] = this;

    this.defineResources();
    // Malformed or absurdly nested requests to our resources get our 400, never a bare or 5xx answer.
    this.app.use(catchBodyErrors, { tag: 'open2fa-body-errors', after: 'logger', before: 'bodyParser' });
    this.app.use(limitDepth, { tag: 'open2fa-depth', after: 'bodyParser', before: 'dataSource' });
    const { resourceManager } = this.app;
    // Marked: the step that issues the session runs every other auth:signIn check, not this one.
    resourceManager.registerPreActionHandler('auth:signIn', markOwnSignInHandler(createSignInGuard(this.services)));
    registerSessionAudit(this.app);
    resourceManager.registerPreActionHandler('verifiers:bind', createBindGuard(this.services));
    resourceManager.registerPreActionHandler('verifiers:unbind', createUnbindGuard(this.services));
    this.renderOurErrorsEverywhere();
    registerHooks(this.services);

    if (clusterWithoutSharedCache(this.app)) {
      this.app.log.error(
        `${NAMESPACE}: CLUSTER_MODE is set but the cache store is per process (CACHE_DEFAULT_STORE=memory). ` +
          'Failure counters, lockouts and message-send limits are then counted per instance (each grants the whole budget) ' +
          'and settings changes reach other instances late. Set CACHE_DEFAULT_STORE=redis and CACHE_REDIS_URL on every instance.',
      );
    }
    if (enforcementDisabledByEnv()) {
      this.app.log.warn(
        `${NAMESPACE}: TWO_FACTOR_ENFORCEMENT=off — two-factor authentication is NOT enforced. ` +
          'Every password sign-in gets a session without a second factor. Remove the variable and restart as soon as access is restored.',
      );
    }
  }

  private defineResources() {
    const { resourceManager } = this.app;
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
    // Collections reached only through our actions: their generic CRUD resources stay closed.
    for (const name of PER_USER_COLLECTIONS) resourceManager.define({ name, only: ['__none__'] });
    resourceManager.define({ name: RESOURCES.me, only: [...ME_ACTIONS], actions: createMeActions(this.services) });
    resourceManager.define({ name: RESOURCES.users, only: USERS_ACTIONS, actions: createUsersActions(this.services) });
    defineAcl(this.app, { twoFactor: TWO_FACTOR_ACTIONS, me: [...ME_ACTIONS] });
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

  async install() {
    await this.services.settings.ensureDefaults();
    await installDefaultVerifier(this.app);
  }
}

export default PluginTwoFactorAuthServer;
