/** What the audit trail, notices and trusted devices keep of a request: its IP and user agent. */
export interface RequestInfo {
  ip?: string;
  userAgent?: string;
}

export function requestInfo(ctx: any): RequestInfo {
  const ua = typeof ctx?.get === 'function' ? ctx.get('user-agent') : '';
  return { ip: ctx?.request?.ip || ctx?.ip || '', userAgent: String(ua || '').slice(0, 512) };
}
