/** A real SMTP server for tests (test-support/smtp.mjs), and a NocoBase email channel sending to it. */
import { startSmtp as startSmtpSink } from '../../../test-support/smtp.mjs';

export interface Mail {
  to: string;
  raw: string;
}

/** A real SMTP server on a free local port, keeping every message it receives. */
export const startSmtp: () => Promise<{ inbox: Mail[]; port: number; close: () => Promise<void> }> = startSmtpSink;

export { createMailChannel } from '../../../test-support/mock-app';
