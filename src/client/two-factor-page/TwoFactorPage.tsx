/**
 * The `/2fa` step of signing in (under NocoBase's auth layout, no session yet): verify a bound
 * factor, or bind one at the first sign-in, then show the backup codes once.
 */
import React, { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Checkbox, Divider, Input, Radio, Space, Spin, Tabs, Typography } from 'antd';
import { NAMESPACE } from '../../constants';
import { ApiError, clearPending, Pending, readPending, Result, twoFactorCall } from '../api';

interface VerifierView {
  name: string;
  title: string;
  verificationType: string;
  bound: boolean;
  boundInfo: string | null;
  codeLength?: number | null;
}

interface ChallengeInfo {
  stage: 'verify' | 'bind';
  expiresAt: string;
  skippableUntil: string | null;
  allowTrustedDevices: boolean;
  trustedDeviceDays: number;
  lockedUntil: string | null;
  verifiers: VerifierView[];
  backupCodes: { remaining: number };
}

interface Session {
  token: string;
  backupCodes?: string[];
}

const MESSAGE_TYPES = new Set(['email-otp', 'sms-otp']);
const FLASH_KEY = 'open2fa:flash';

export function createTwoFactorPage(app: any) {
  // Verifier titles go through it too: the default ones are translated, an admin's own stay as typed.
  const t = (key: string, options?: Record<string, unknown>) => app.i18n.t(key, { ns: NAMESPACE, ...options });

  function publicPath() {
    return String(app.getPublicPath?.() || '/').replace(/\/?$/, '/');
  }

  function redirectTarget() {
    const redirect = new URLSearchParams(window.location.search).get('redirect') || '/admin';
    // Only paths of this app: never an absolute URL from the query string.
    return redirect.startsWith('/') && !redirect.startsWith('//') ? redirect : '/admin';
  }

  function backToSignIn(reason: string) {
    clearPending();
    sessionStorage.setItem(FLASH_KEY, reason);
    window.location.replace(`${publicPath()}signin?redirect=${encodeURIComponent(redirectTarget())}`);
  }

  function complete(pending: Pending, session: Session) {
    clearPending();
    app.apiClient.auth.setAuthenticator?.(pending.authenticator);
    app.apiClient.auth.setToken(session.token);
    window.location.replace(`${publicPath()}${redirectTarget().replace(/^\//, '')}`);
  }

  function describeError(error: ApiError): string {
    switch (error.code) {
      case 'TWO_FACTOR_INVALID_CODE':
        return t('The code is incorrect. {{count}} attempts left.', { count: error.attemptsLeft ?? 0 });
      case 'TWO_FACTOR_LOCKED':
        return t('Too many failed attempts. Try again in {{minutes}} minutes.', { minutes: Math.ceil((error.retryAfter ?? 60) / 60) });
      case 'TWO_FACTOR_THROTTLED':
        return t('Please wait {{seconds}} seconds before asking for another code.', { seconds: error.retryAfter ?? 60 });
      default:
        return error.message || t('Something went wrong. Please try again.');
    }
  }

  /** A code field that takes focus and submits by itself on the last digit. */
  function CodeInput(props: { length?: number | null; disabled?: boolean; onSubmit: (code: string) => void; placeholder?: string; autoFocus?: boolean }) {
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
        data-testid="two-factor-code"
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

  function SendCodeButton(props: { onSend: () => Promise<Result<any>>; setError: (e: string | null) => void }) {
    const [wait, setWait] = useState(0);
    useEffect(() => {
      if (wait <= 0) return;
      const id = setTimeout(() => setWait((w) => w - 1), 1000);
      return () => clearTimeout(id);
    }, [wait]);
    return (
      <Button
        disabled={wait > 0}
        data-testid="two-factor-send"
        onClick={async () => {
          const res = await props.onSend();
          if (res.ok) {
            props.setError(null);
            const next = res.data?.resendAfter ? Math.ceil((new Date(res.data.resendAfter).getTime() - Date.now()) / 1000) : 60;
            setWait(Math.max(next, 1));
          } else {
            props.setError(describeError(res.error));
            if (res.error.retryAfter) setWait(res.error.retryAfter);
          }
        }}
      >
        {wait > 0 ? t('Resend in {{seconds}} s', { seconds: wait }) : t('Send code')}
      </Button>
    );
  }

  function BackupCodes(props: { codes: string[]; onDone: () => void }) {
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
        <Typography.Title level={4}>{t('Save your backup codes')}</Typography.Title>
        <Typography.Text type="secondary">
          {t('Each code signs you in once if you lose your device. They are shown only now: keep them somewhere safe.')}
        </Typography.Text>
        <div data-testid="two-factor-backup-codes" style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 8, fontFamily: 'monospace', fontSize: 16 }}>
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
          {t('Continue')}
        </Button>
      </Space>
    );
  }

  function Verify(props: { pending: Pending; info: ChallengeInfo; call: ReturnType<typeof twoFactorCall> }) {
    const { info, call, pending } = props;
    const bound = info.verifiers.filter((v) => v.bound);
    const [error, setError] = useState<string | null>(
      info.lockedUntil ? describeError({ code: 'TWO_FACTOR_LOCKED', retryAfter: (new Date(info.lockedUntil).getTime() - Date.now()) / 1000 }) : null,
    );
    const [busy, setBusy] = useState(false);
    const [trust, setTrust] = useState(false);
    const submit = async (values: Record<string, unknown>) => {
      setBusy(true);
      const res = await call<Session>('verify', { ...values, ...(trust ? { trustDevice: true } : {}) });
      setBusy(false);
      if (res.ok) return complete(pending, res.data);
      if (res.status === 401) return backToSignIn(describeError(res.error));
      setError(describeError(res.error));
    };
    const tabs = bound.map((v) => ({
      key: v.name,
      label: t(v.title),
      children: (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text type="secondary">
            {MESSAGE_TYPES.has(v.verificationType)
              ? t('Send a code to {{receiver}} and enter it below.', { receiver: v.boundInfo || '' })
              : t('Enter the code from your authenticator app.')}
          </Typography.Text>
          {MESSAGE_TYPES.has(v.verificationType) && <SendCodeButton onSend={() => call('sendCode', { verifier: v.name })} setError={setError} />}
          <CodeInput length={v.codeLength} disabled={busy} onSubmit={(code) => submit({ verifier: v.name, code })} />
        </Space>
      ),
    }));
    if (info.backupCodes.remaining > 0) {
      tabs.push({
        key: '__backup',
        label: t('Backup code'),
        children: (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Typography.Text type="secondary">{t('Enter one of your backup codes. Each works once.')}</Typography.Text>
            <CodeInput placeholder="xxxxx-xxxxx" disabled={busy} onSubmit={(code) => submit({ backupCode: code })} />
          </Space>
        ),
      });
    }
    return (
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Title level={4}>{t('Two-factor authentication')}</Typography.Title>
        {tabs.length > 1 && <Typography.Text type="secondary">{t('Choose how to verify it is you:')}</Typography.Text>}
        <Tabs items={tabs} destroyInactiveTabPane />
        {info.allowTrustedDevices && (
          <Checkbox checked={trust} onChange={(e: any) => setTrust(e.target.checked)}>
            {t('Trust this device for {{days}} days', { days: info.trustedDeviceDays })}
          </Checkbox>
        )}
        {error && <Alert type="error" showIcon message={error} data-testid="two-factor-error" />}
        {busy && <Spin />}
      </Space>
    );
  }

  function Bind(props: { pending: Pending; info: ChallengeInfo; call: ReturnType<typeof twoFactorCall> }) {
    const { info, call, pending } = props;
    const [choice, setChoice] = useState<string>(info.verifiers[0]?.name);
    const [started, setStarted] = useState<any>(null);
    const [receiver, setReceiver] = useState('');
    const [error, setError] = useState<string | null>(null);
    const [busy, setBusy] = useState(false);
    const [codes, setCodes] = useState<{ session: Session } | null>(null);
    const verifier = info.verifiers.find((v) => v.name === choice);
    const isMessage = !!verifier && MESSAGE_TYPES.has(verifier.verificationType);
    const isTotp = verifier?.verificationType === 'totp';

    const start = async () => {
      setError(null);
      const res = await call('bindStart', { verifier: choice, ...(isMessage && receiver ? { uuid: receiver } : {}) });
      if (res.ok) setStarted(res.data);
      else if (res.status === 401) backToSignIn(describeError(res.error));
      else setError(describeError(res.error));
      return res;
    };
    useEffect(() => {
      setStarted(null);
      if (choice && verifier && !isMessage) start();
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [choice]);

    const confirm = async (code: string) => {
      setBusy(true);
      const res = await call<Session>('bind', { verifier: choice, code });
      setBusy(false);
      if (!res.ok) return res.status === 401 ? backToSignIn(describeError(res.error)) : setError(describeError(res.error));
      if (res.data.backupCodes?.length) setCodes({ session: res.data });
      else complete(pending, res.data);
    };

    if (codes) return <BackupCodes codes={codes.session.backupCodes || []} onDone={() => complete(pending, codes.session)} />;
    const skippable = info.skippableUntil && new Date(info.skippableUntil).getTime() > Date.now();
    return (
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Title level={4}>{t('Set up two-factor authentication')}</Typography.Title>
        <Typography.Text type="secondary">
          {info.verifiers.length > 1
            ? t('Your organisation requires a second step when you sign in. Choose a method:')
            : t('Your organisation requires a second step when you sign in.')}
        </Typography.Text>
        {info.verifiers.length > 1 && (
          <Radio.Group value={choice} onChange={(e: any) => setChoice(e.target.value)}>
            <Space direction="vertical">
              {info.verifiers.map((v) => (
                <Radio key={v.name} value={v.name}>
                  {t(v.title)}
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        )}
        {isTotp && started && (
          <Space direction="vertical" style={{ width: '100%' }} align="center">
            <Typography.Text>{t('Scan this QR code with your authenticator app:')}</Typography.Text>
            <img src={started.qrCode} alt={t('QR code')} width={200} height={200} data-testid="two-factor-qr" />
            <Typography.Text type="secondary">{t('Or enter this key by hand:')}</Typography.Text>
            <Typography.Text code copyable data-testid="two-factor-secret">
              {started.secret}
            </Typography.Text>
          </Space>
        )}
        {isMessage && (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Input
              value={receiver}
              onChange={(e: any) => setReceiver(e.target.value)}
              placeholder={verifier?.verificationType === 'email-otp' ? t('Email address (default: your account email)') : t('Phone number')}
            />
            <SendCodeButton onSend={start} setError={setError} />
          </Space>
        )}
        {(started || (!isTotp && !isMessage)) && (
          <>
            <Typography.Text>{isTotp ? t('Enter the code the app shows:') : t('Enter the code:')}</Typography.Text>
            <CodeInput length={isTotp ? verifier?.codeLength || 6 : verifier?.codeLength} disabled={busy} onSubmit={confirm} autoFocus={!isMessage} />
          </>
        )}
        {error && <Alert type="error" showIcon message={error} data-testid="two-factor-error" />}
        {skippable && (
          <>
            <Divider plain />
            <Button
              type="link"
              onClick={async () => {
                const res = await call<Session>('skip', {});
                if (res.ok) complete(pending, res.data);
                else setError(describeError(res.error));
              }}
            >
              {t('Remind me later')}
            </Button>
          </>
        )}
      </Space>
    );
  }

  return function TwoFactorPage() {
    const pending = useMemo(readPending, []);
    const call = useMemo(() => twoFactorCall(app.apiClient, pending?.token || ''), [pending]);
    const [info, setInfo] = useState<ChallengeInfo | null>(null);

    useEffect(() => {
      if (!pending) return backToSignIn(t('Please sign in first.'));
      call<ChallengeInfo>('getChallenge').then((res) => (res.ok ? setInfo(res.data) : backToSignIn(describeError(res.error))));
      // The challenge dies at expiresAt: go back to sign-in then, with a message.
      const ms = new Date(pending.expiresAt).getTime() - Date.now();
      const id = setTimeout(() => backToSignIn(t('Two-factor authentication has expired. Please sign in again.')), Math.max(ms, 0));
      return () => clearTimeout(id);
    }, [pending, call]);

    if (!pending || !info) return <Spin />;
    return info.stage === 'bind' ? <Bind pending={pending} info={info} call={call} /> : <Verify pending={pending} info={info} call={call} />;
  };
}

export { FLASH_KEY };
