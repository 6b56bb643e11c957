/** Writes the audit trail (design §9). Callers pass facts only: never a code, secret or token. */
import type { Application } from '@nocobase/server';
import { COLLECTIONS, EventType } from '../constants';
import type { RequestInfo } from './request';

export class Audit {
  constructor(private readonly app: Application) {}

  async record(
    event: { userId?: number | string | null; type: EventType; verifier?: string | null; detail?: Record<string, unknown> },
    request: RequestInfo = {},
  ) {
    try {
      // A single INSERT, outside any transaction: audit writes must not serialise sign-ins.
      await this.app.db.getCollection(COLLECTIONS.events).model.create({
        userId: event.userId ?? null,
        type: event.type,
        verifier: event.verifier ?? null,
        ip: (request.ip || '').slice(0, 255),
        userAgent: request.userAgent || '',
        detail: event.detail || {},
      });
    } catch (err) {
      // The audit trail must never turn a sign-in into a 5xx; it is logged instead.
      this.app.log.error('open2fa: could not write audit event', { type: event.type, error: (err as Error)?.message });
    }
  }
}
