/**
 * What every screen of the plugin shares: translation, the API call that turns errors into values,
 * one message per error code, the code field, the send/resend button and the backup-codes screen.
 */
import React, { useEffect, useRef, useState } from 'react';
import { Button, Checkbox, Input, Space, Typography } from 'antd';
import { NAMESPACE } from '../constants';

export type T = (key: string, options?: Record<string, unknown>) => string;

export interface ApiError {
  code?: string;
  message?: string;
  attemptsLeft?: number;
  retryAfter?: number;
  reason?: string;
  field?: string;
  users?: number;
}

export type Result<T> = { ok: true; data: T; meta?: any } | { ok: false; status: number; error: ApiError };

export interface VerifierView {
  name: string;
  title: string;
  verificationType: string;
  bound: boolean;
  boundInfo: string | null;
  codeLength?: number | null;
}

/** Types whose codes are sent by message (email, SMS): they need a "Send code" button. */
export const MESSAGE_TYPES = new Set(['email-otp', 'sms-otp']);

/** Our namespace; values are not HTML-escaped (React does that), so dates and names stay as typed. */
export function translator(app: any): T {
  return (key, options) => app.i18n.t(key, { ns: NAMESPACE, interpolation: { escapeValue: false }, ...options });
}

/** `2026-11-23 16:24` in the browser's time zone; a dash for nothing. */
export function formatTime(value?: string | null) {
  if (!value) return '—';
  const d = new Date(value);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * `resource:action` over the app's API client. GET without values, POST with them; NocoBase's
 * error toast is skipped: each screen says what went wrong where it happened.
 */
export function apiCaller(app: any, headers?: Record<string, string>, skipAuth = false) {
  return async function call<R = any>(url: string, values?: Record<string, unknown>, params?: Record<string, unknown>): Promise<Result<R>> {
    try {
      const res = await app.apiClient.request({
        url,
        method: values === undefined ? 'get' : 'post',
        data: values,
        params,
        headers,
        skipNotify: true,
        ...(skipAuth ? { skipAuth: true } : {}),
      });
      return { ok: true, data: res?.data?.data as R, meta: res?.data?.meta };
    } catch (err: any) {
      return { ok: false, status: err?.response?.status ?? 0, error: err?.response?.data?.errors?.[0] ?? { message: err?.message } };
    }
  };
}

export type Caller = ReturnType<typeof apiCaller>;

/** One clear, translated sentence per error code; the server's own message for anything else. */
export function describeError(t: T, error: ApiError): string {
  switch (error.code) {
    case 'TWO_FACTOR_INVALID_CODE':
      return t('The code is incorrect. {{count}} attempts left.', { count: error.attemptsLeft ?? 0 });
    case 'TWO_FACTOR_LOCKED':
      return t('Too many failed attempts. Try again in {{minutes}} minutes.', { minutes: Math.max(1, Math.ceil((error.retryAfter ?? 60) / 60)) });
    case 'TWO_FACTOR_THROTTLED':
      return t('Please wait {{seconds}} seconds before asking for another code.', { seconds: error.retryAfter ?? 60 });
    case 'TWO_FACTOR_CODE_REUSED':
      return t('This code has already been used. Please wait for a new code.');
    case 'TWO_FACTOR_CHALLENGE_REQUIRED':
    case 'TWO_FACTOR_CHALLENGE_INVALID':
      return t('Two-factor authentication has expired. Please sign in again.');
    case 'TWO_FACTOR_VERIFIER_NOT_ALLOWED':
      return error.reason === 'delivery_failed'
        ? t('The code could not be sent. Try another method or contact your administrator.')
        : t('This verification method is not available for two-factor authentication.');
    case 'TWO_FACTOR_NOT_BOUND':
      return t('This verification method is not set up for your account.');
    case 'TWO_FACTOR_ALREADY_BOUND':
      return t('This verification method is already set up for your account.');
    case 'TWO_FACTOR_BIND_EXPIRED':
      return t('The setup has expired. Please start again.');
    case 'TWO_FACTOR_REAUTH_REQUIRED':
      return t('Your password or code was not accepted. Please confirm your identity again.');
    case 'TWO_FACTOR_LAST_FACTOR':
      return t('You cannot remove your last verification method while two-factor authentication is required.');
    case 'TWO_FACTOR_SKIP_NOT_ALLOWED':
      return t('Setting up two-factor authentication can no longer be postponed.');
    case 'TWO_FACTOR_ORPHANS_USERS':
      return t('{{count}} users would be left without an offered verification method.', { count: error.users ?? 0 });
    case 'TWO_FACTOR_USE_TWO_FACTOR_PAGE':
      return t('Set up this verification method from the two-factor authentication page.');
    case 'TWO_FACTOR_BAD_REQUEST':
      return t('The request is invalid.') + (error.reason ? ` (${error.field ? `${error.field}: ` : ''}${error.reason})` : '');
    default:
      return error.message || t('Something went wrong. Please try again.');
  }
}

/** "Chrome on Windows" from a user agent; the raw string when it says nothing we know. */
export function describeAgent(ua: string | null): string {
  if (!ua) return '—';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrom(e|ium)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : null;
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad|iOS/.test(ua)
        ? 'iOS'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : null;
  if (!browser) return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
  return os ? `${browser} · ${os}` : browser;
}

/** A code field that takes focus and submits by itself on the last digit. */
export function CodeInput(props: {
  t: T;
  length?: number | null;
  disabled?: boolean;
  onSubmit: (code: string) => void;
  placeholder?: string;
  autoFocus?: boolean;
  testId?: string;
}) {
  const { t } = props;
  const [value, setValue] = useState('');
  const submitted = useRef('');
  const submit = (code: string) => {
    if (!code || submitted.current === code) return;
    submitted.current = code;
    props.onSubmit(code);
  };
  return (
    <Input
      size="large"
      autoFocus={props.autoFocus !== false}
      autoComplete="one-time-code"
      inputMode={props.length ? 'numeric' : undefined}
      maxLength={props.length || 64}
      disabled={props.disabled}
      value={value}
      placeholder={props.placeholder || t('Enter the code')}
      data-testid={props.testId || 'two-factor-code'}
      onChange={(e: any) => {
        const next = String(e.target.value).replace(props.length ? /[^\d]/g : /\s/g, '');
        setValue(next);
        submitted.current = '';
        if (props.length && next.length === props.length) submit(next);
      }}
      onPressEnter={() => submit(value)}
    />
  );
}

/** "Send code", then "Resend in N s" until the server allows another one. */
export function SendCodeButton(props: {
  t: T;
  onSend: () => Promise<Result<any>>;
  setError: (e: string | null) => void;
  block?: boolean;
  /** Seconds to wait when a code was just sent before this button appeared. */
  initialWait?: number;
}) {
  const { t } = props;
  const [wait, setWait] = useState(props.initialWait ?? 0);
  const [sent, setSent] = useState(!!props.initialWait);
  useEffect(() => {
    if (wait <= 0) return;
    const id = setTimeout(() => setWait((w) => w - 1), 1000);
    return () => clearTimeout(id);
  }, [wait]);
  return (
    <Button
      disabled={wait > 0}
      block={props.block}
      data-testid="two-factor-send"
      onClick={async () => {
        const res = await props.onSend();
        if (res.ok) {
          props.setError(null);
          setSent(true);
          const next = res.data?.resendAfter ? Math.ceil((new Date(res.data.resendAfter).getTime() - Date.now()) / 1000) : 60;
          setWait(Math.max(next, 1));
        } else {
          props.setError(describeError(t, res.error));
          if (res.error.retryAfter) setWait(res.error.retryAfter);
        }
      }}
    >
      {wait > 0 ? t('Resend in {{seconds}} s', { seconds: wait }) : sent ? t('Resend code') : t('Send code')}
    </Button>
  );
}

/** Backup codes, shown once: copy, download as .txt, and "I have saved them" before going on. */
export function BackupCodes(props: { t: T; codes: string[]; onDone: () => void; doneLabel?: string; title?: boolean }) {
  const { t } = props;
  const [saved, setSaved] = useState(false);
  const text = props.codes.join('\n');
  const download = () => {
    const blob = new Blob([`${t('Backup codes')}\n\n${text}\n`], { type: 'text/plain' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'backup-codes.txt';
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      {props.title !== false && <Typography.Title level={4}>{t('Save your backup codes')}</Typography.Title>}
      <Typography.Text type="secondary">
        {t('Each code signs you in once if you lose your device. They are shown only now: keep them somewhere safe.')}
      </Typography.Text>
      <div
        data-testid="two-factor-backup-codes"
        style={{
          display: 'grid',
          gridTemplateColumns: '1fr 1fr',
          gap: '8px 24px',
          padding: '12px 16px',
          borderRadius: 6,
          background: 'rgba(0, 0, 0, 0.03)',
          fontFamily: 'SFMono-Regular, Menlo, Consolas, monospace',
          fontSize: 16,
        }}
      >
        {props.codes.map((code) => (
          <span key={code}>{code}</span>
        ))}
      </div>
      <Space>
        <Typography.Text copyable={{ text }}>{t('Copy')}</Typography.Text>
        <Button size="small" onClick={download}>
          {t('Download as .txt')}
        </Button>
      </Space>
      <Checkbox checked={saved} onChange={(e: any) => setSaved(e.target.checked)} data-testid="two-factor-saved">
        {t('I have saved these codes')}
      </Checkbox>
      <Button type="primary" block size="large" disabled={!saved} onClick={props.onDone} data-testid="two-factor-continue">
        {props.doneLabel || t('Continue')}
      </Button>
    </Space>
  );
}

/** The QR code of a new authenticator-app secret, and the key to type by hand. */
export function TotpSetup(props: { t: T; qrCode: string; secret: string }) {
  const { t } = props;
  return (
    <Space direction="vertical" style={{ width: '100%' }} align="center">
      <Typography.Text>{t('Scan this QR code with your authenticator app:')}</Typography.Text>
      <img src={props.qrCode} alt={t('QR code')} width={200} height={200} data-testid="two-factor-qr" />
      <Typography.Text type="secondary">{t('Or enter this key by hand:')}</Typography.Text>
      <Typography.Text code copyable data-testid="two-factor-secret">
        {props.secret}
      </Typography.Text>
    </Space>
  );
}

/** Server-side pagination state for an antd Table: page, size, total, and the "Total N" line. */
export function usePaging(t: T) {
  const [page, setPage] = useState({ current: 1, pageSize: 20 });
  const first = () => setPage((p) => ({ ...p, current: 1 }));
  const pagination = (total: number) => ({
    current: page.current,
    pageSize: page.pageSize,
    total,
    showSizeChanger: true,
    showTotal: (count: number) => t('Total {{count}}', { count }),
    onChange: (current: number, pageSize: number) => setPage({ current, pageSize }),
  });
  return { page, first, pagination };
}
