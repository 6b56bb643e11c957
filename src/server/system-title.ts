/** The app's title (Settings → System settings), for names shown outside the app: a TOTP issuer, a WebAuthn relying party. */
import type { Application } from '@nocobase/server';

/** The trimmed title, or '' when none is set or it can't be read. */
export async function systemTitle(app: Application): Promise<string> {
  try {
    const row: any = await app.db.getRepository('systemSettings')?.findOne();
    const title = row?.get('title');
    return typeof title === 'string' && title.trim() ? title.trim() : '';
  } catch {
    return '';
  }
}
