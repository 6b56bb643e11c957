/** A real SMTP server for tests (test-support/smtp.mjs), and a NocoBase email channel sending to it. */
import { codeIn as codeInMail, startSmtp as startSmtpSink } from '../../../test-support/smtp.mjs';

export interface Mail {
  to: string;
  raw: string;
}

/** A real SMTP server on a free local port, keeping every message it receives. */
export const startSmtp: () => Promise<{ inbox: Mail[]; port: number; close: () => Promise<void> }> = startSmtpSink;

/** The code in a mail the plugin sent, or null. */
export const codeIn: (mail: Mail | undefined) => string | null = codeInMail;

import { createApp, createMailChannel, setSettings } from '../../../test-support/mock-app';

export { createMailChannel };

/**
 * A test app that offers email OTP (verifier `email` on channel `mail`, beside `totp`) to every
 * user, sending to a real SMTP server of its own.
 */
export async function createEmailOtpApp() {
  const smtp = await startSmtp();
  const app = await createApp({ extraPlugins: ['notification-manager', 'notification-email'] });
  await createMailChannel(app, smtp.port);
  await app.db.getRepository('verifiers').create({
    values: { name: 'email', title: 'Email', verificationType: 'email-otp', options: { channel: 'mail' } },
  });
  await setSettings(app, { enforceForAll: true, verifiers: ['totp', 'email'] });
  return { app, smtp };
}
