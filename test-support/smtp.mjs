/** A real SMTP server for tests on a free local port, keeping every message it receives. */
import { SMTPServer } from 'smtp-server';

/** @typedef {{ to: string, raw: string }} Mail */

/**
 * The code in a mail sent by the plugin ("…verification code is 123456"), quoted-printable undone.
 * @param {Mail | undefined} mail
 */
export const codeIn = (mail) => mail?.raw.replace(/=\r?\n/g, '').match(/verification code is (\d{6})/)?.[1] ?? null;

/**
 * @returns {Promise<{ inbox: Mail[], port: number, codeFor: (to: string, nth?: number) => Promise<string | null>, close: () => Promise<void> }>}
 */
export async function startSmtp() {
  /** @type {Mail[]} */
  const inbox = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    // nodemailer pools connections: do not wait for them when the test ends.
    closeTimeout: 100,
    logger: false,
    onAuth: (_auth, _session, cb) => cb(null, { user: 'nocobase' }),
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d) => (raw += d.toString()));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw });
        cb();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.server.address()).port;

  /**
   * The code of the nth code mail to `to` (default: the latest); security notices share the inbox.
   * Waits up to 10 s for it; null when it does not come.
   * @param {string} to
   * @param {number} [nth] 1-based
   */
  const codeFor = async (to, nth) => {
    for (let i = 0; i < 200; i++) {
      const codes = inbox.filter((m) => m.to === to).map(codeIn).filter(Boolean);
      const code = nth ? codes[nth - 1] : codes[codes.length - 1];
      if (code) return code;
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  };
  return { inbox, port, codeFor, close: () => new Promise((r) => server.close(() => r(undefined))) };
}
