import { MockServer } from '@nocobase/test';
import { COLLECTIONS } from '../../constants';
import { coreVersion, isSupportedCore, SUPPORTED_CORE } from '../core-version';
import PluginTwoFactorAuthServer from '../plugin';
import { createApp, destroyApp } from './helpers';

/**
 * NocoBase 2.0 and 2.1 cannot be tested (their packages are not all on the registry), so
 * `pm enable` refuses there with a message naming the supported versions (README, "Supported
 * NocoBase versions"). Only the version the core reports is changed here; the enabling is core's.
 */
describe('NocoBase versions', () => {
  it('supports 2.2.0 and later 2.x releases, not 2.0, 2.1, 3.x or an unreadable version', () => {
    for (const v of ['2.2.0', '2.2.15', '2.2.16-beta.1', '2.3.0', '2.10.1']) expect(isSupportedCore(v), v).toBe(true);
    for (const v of ['2.1.41', '2.0.0', '1.9.74', '2.1.99', '3.0.0', '', 'next']) expect(isSupportedCore(v), v).toBe(false);
  });

  describe('pm enable on a core that is not supported', () => {
    let app: MockServer;
    const NAME = 'two-factor-auth-version-check';

    beforeEach(async () => {
      // A stock app, then our plugin added (not yet enabled), as after `pm add`.
      app = await createApp({ plugin: false });
      await app.pm.add(PluginTwoFactorAuthServer, { name: NAME });
    });
    afterEach(async () => {
      vi.restoreAllMocks();
      await destroyApp(app);
    });

    it('runs on the installed core, which is a supported one', () => {
      expect(isSupportedCore(coreVersion(app as any))).toBe(true);
      expect(coreVersion(app as any)).toBe(SUPPORTED_CORE.tested);
    });

    it('refuses on NocoBase 2.1.41 with a message naming the supported versions, and installs nothing', async () => {
      vi.spyOn(app, 'getPackageVersion').mockReturnValue('2.1.41');
      await expect(app.pm.enable(NAME)).rejects.toThrow(
        'Two-factor authentication supports NocoBase 2.2.0 and later 2.x releases (tested on 2.2.15); this app runs NocoBase 2.1.41. Upgrade NocoBase, then enable the plugin.',
      );
      expect(app.pm.get(NAME)!.enabled).toBeFalsy();
      expect(await app.db.getRepository('applicationPlugins').count({ filter: { name: NAME, enabled: true } })).toBe(0);
      expect(app.db.getCollection(COLLECTIONS.settings)).toBeUndefined();
    });

    it('says it in Chinese when the app speaks Chinese', async () => {
      vi.spyOn(app, 'getPackageVersion').mockReturnValue('2.0.0');
      await app.i18n.changeLanguage('zh-CN');
      await expect(app.pm.enable(NAME)).rejects.toThrow('双因素认证支持 NocoBase 2.2.0 及之后的 2.x 版本（已在 2.2.15 上测试）；当前应用运行的是 NocoBase 2.0.0。');
    });
  });
});
