/** A real SMTP server for tests, on a free local port, keeping every message it receives. */
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { MockServer } from '@nocobase/test';

export interface Mail {
  to: string;
  raw: string;
}

/** A real SMTP server on a free local port, keeping every message it receives. */
export async function startSmtp() {
  const inbox: Mail[] = [];
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { inbox, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A NocoBase email notification channel that sends to `port`. */
export function createMailChannel(app: MockServer, port: number, name = 'mail') {
  return app.db.getRepository('notificationChannels').create({
    values: {
      name,
      title: 'Mail',
      notificationType: 'email',
      options: { host: '127.0.0.1', port, secure: false, account: 'nocobase', password: 'x', from: 'security@example.com' },
    },
  });
}
