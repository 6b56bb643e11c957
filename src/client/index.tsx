import { Plugin } from '@nocobase/client';

/**
 * Client side of open2fa. The host loads this bundle for every enabled plugin; the sign-in step,
 * the admin tab and the personal-center page register here as they are built.
 */
export class PluginTwoFactorAuthClient extends Plugin {
  async load() {}
}

export default PluginTwoFactorAuthClient;
