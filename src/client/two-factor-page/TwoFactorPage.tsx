/**
 * The `/2fa` step of signing in (under NocoBase's auth layout, no session yet): verify a bound
 * factor, or bind one at the first sign-in, then show the backup codes once.
 */
import React, { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Checkbox, Divider, Input, Radio, Space, Spin, Tabs, Typography } from 'antd';
import { clearPending, Pending, readPending, twoFactorCall } from '../api';
import { RegistryForm, thirdPartyForms } from '../registry-form';
import { ApiError, BackupCodes, CodeInput, describeError, MESSAGE_TYPES, SendCodeButton, TotpSetup, translator, VerifierView } from '../shared';

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

const FLASH_KEY = 'open2fa:flash';

export function createTwoFactorPage(app: any) {
  // Verifier titles go through it too: the default ones are translated, an admin's own stay as typed.
  const t = translator(app);

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

  const describe = (error: ApiError) => describeError(t, error);

  function Verify(props: { pending: Pending; info: ChallengeInfo; call: ReturnType<typeof twoFactorCall> }) {
    const { info, call, pending } = props;
    const bound = info.verifiers.filter((v) => v.bound);
    const [error, setError] = useState<string | null>(
      info.lockedUntil ? describe({ code: 'TWO_FACTOR_LOCKED', retryAfter: (new Date(info.lockedUntil).getTime() - Date.now()) / 1000 }) : null,
    );
    const [busy, setBusy] = useState(false);
    const [trust, setTrust] = useState(false);
    const submit = async (values: Record<string, unknown>) => {
      setBusy(true);
      const res = await call<Session>('verify', { ...values, ...(trust ? { trustDevice: true } : {}) });
      setBusy(false);
      if (res.ok) return complete(pending, res.data);
      if (res.status === 401) return backToSignIn(describe(res.error));
      setError(describe(res.error));
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
          {MESSAGE_TYPES.has(v.verificationType) && <SendCodeButton t={t} onSend={() => call('sendCode', { verifier: v.name })} setError={setError} />}
          {thirdPartyForms(app, v.verificationType)?.VerificationForm ? (
            <RegistryForm
              t={t}
              Component={thirdPartyForms(app, v.verificationType)!.VerificationForm!}
              props={{ verifier: v.name, actionType: 'twoFactor:verify', boundInfo: v.boundInfo, isLogged: false }}
              busy={busy}
              submitLabel={t('Verify')}
              onSubmit={(values) => submit({ verifier: v.name, code: values.code })}
            />
          ) : (
            <CodeInput t={t} length={v.codeLength} disabled={busy} onSubmit={(code) => submit({ verifier: v.name, code })} />
          )}
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
            <CodeInput t={t} placeholder="xxxxx-xxxxx" disabled={busy} onSubmit={(code) => submit({ backupCode: code })} />
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
      else if (res.status === 401) backToSignIn(describe(res.error));
      else setError(describe(res.error));
      return res;
    };
    useEffect(() => {
      setStarted(null);
      if (choice && verifier && !isMessage) start();
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [choice]);

    const confirm = async (code: string, uuid?: string) => {
      setBusy(true);
      const res = await call<Session>('bind', { verifier: choice, code, ...(uuid ? { uuid } : {}) });
      setBusy(false);
      if (!res.ok) return res.status === 401 ? backToSignIn(describe(res.error)) : setError(describe(res.error));
      if (res.data.backupCodes?.length) setCodes({ session: res.data });
      else complete(pending, res.data);
    };

    if (codes) return <BackupCodes t={t} codes={codes.session.backupCodes || []} onDone={() => complete(pending, codes.session)} />;
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
          <TotpSetup t={t} qrCode={started.qrCode} secret={started.secret} />
        )}
        {isMessage && (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Input
              value={receiver}
              onChange={(e: any) => setReceiver(e.target.value)}
              placeholder={verifier?.verificationType === 'email-otp' ? t('Email address (default: your account email)') : t('Phone number')}
            />
            <SendCodeButton t={t} onSend={start} setError={setError} />
          </Space>
        )}
        {!isTotp && !isMessage && thirdPartyForms(app, verifier?.verificationType)?.BindForm && (
          <RegistryForm
            t={t}
            Component={thirdPartyForms(app, verifier?.verificationType)!.BindForm!}
            props={{ verifier: choice, actionType: 'twoFactor:bind', isLogged: false }}
            busy={busy}
            submitLabel={t('Confirm')}
            onSubmit={(values) => confirm(values.code, values.uuid)}
          />
        )}
        {(isTotp || isMessage ? started : !thirdPartyForms(app, verifier?.verificationType)?.BindForm) && (
          <>
            <Typography.Text>{isTotp ? t('Enter the code the app shows:') : t('Enter the code:')}</Typography.Text>
            <CodeInput t={t} length={isTotp ? verifier?.codeLength || 6 : verifier?.codeLength} disabled={busy} onSubmit={confirm} autoFocus={!isMessage} />
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
                else setError(describe(res.error));
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
    const call = useMemo(() => twoFactorCall(app, pending?.token || ''), [pending]);
    const [info, setInfo] = useState<ChallengeInfo | null>(null);

    useEffect(() => {
      if (!pending) return backToSignIn(t('Please sign in first.'));
      call<ChallengeInfo>('getChallenge').then((res) => (res.ok ? setInfo(res.data) : backToSignIn(describe(res.error))));
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
