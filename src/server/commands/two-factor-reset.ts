/**
 * Break-glass (design §7): `nocobase two-factor:reset <email|username>` resets one user's 2FA from
 * the server's shell, for the admin who lost every factor. Registered through the plugin's
 * `staticImport` (NocoBase 2.2's loader of dist/server/commands/ stops at another plugin's file).
 */
import type { Application } from '@nocobase/server';
import { PACKAGE_NAME, PLUGIN_SYMBOL } from '../../constants';
import { resetByAdmin } from '../flows/bindings';
import type { Services } from '../services';

/** Resets the user whose email or username is `account`; null when there is none. */
async function resetByAccount(services: Services, account: string) {
  const user: any = await services.app.db.getRepository('users').findOne({ filter: { $or: [{ email: account }, { username: account }] } });
  if (!user) return null;
  const userId = user.get('id');
  return { userId, verifiers: await resetByAdmin(services, { userId, by: 'cli' }) };
}

export default function registerTwoFactorResetCommand(app: Application) {
  app
    .command('two-factor:reset')
    .preload()
    .argument('<account>', 'email or username of the user whose two-factor authentication is reset')
    .action(async (account: string) => {
      const plugin = (app as any)[PLUGIN_SYMBOL] ?? (app.pm.get(PACKAGE_NAME) as any);
      if (!plugin?.services) throw new Error(`${PACKAGE_NAME} is not enabled in this app`);
      const result = await resetByAccount(plugin.services, account);
      if (!result) {
        console.error(`No user with email or username "${account}".`);
        process.exitCode = 1;
        return;
      }
      console.log(
        `Two-factor authentication reset for user ${result.userId} (${account}): ` +
          `${result.verifiers.length ? `removed ${result.verifiers.join(', ')}` : 'no factor was bound'}; ` +
          'backup codes and trusted devices removed. The user binds a factor at the next sign-in.',
      );
    });
}
