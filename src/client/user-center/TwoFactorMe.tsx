/**
 * Personal center → "Two-factor authentication" (a drawer, like NocoBase's own user-center items):
 * status and why, methods to set up or remove (with fresh proof, as the server requires), backup
 * codes, and trusted devices.
 */
import React, { useCallback, useContext, useEffect, useState } from 'react';
import { Alert, Button, Drawer, Input, List, message, Modal, Popconfirm, Radio, Space, Spin, Tag, Typography } from 'antd';
import { DropdownVisibleContext, SchemaSettingsItem } from '@nocobase/client';
import { titleOf } from '../admin/TwoFactorSettingsPage';
import { RegistryForm, thirdPartyForms } from '../registry-form';
import { apiCaller, BackupCodes, CodeInput, describeError, describeAgent, formatTime, MESSAGE_TYPES, SendCodeButton, T, TotpSetup, translator, VerifierView } from '../shared';

interface DeviceView {
  id: number;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  current: boolean;
}

interface MeView {
  required: boolean;
  requiredBecause: string[];
  verifiers: VerifierView[];
  backupCodes: { remaining: number };
  trustedDevices: DeviceView[];
}

type Flow = { kind: 'bind' | 'unbind'; verifier: VerifierView } | { kind: 'regenerate' };

export function createTwoFactorMe(app: any) {
  const t: T = translator(app);
  const call = apiCaller(app);

  /** Password, or a current code of a bound app-based method (message codes can't be sent here). */
  function ProofFields(props: {
    codeVerifiers: VerifierView[];
    value: { method: string; secret: string };
    onChange: (v: { method: string; secret: string }) => void;
    onEnter: () => void;
  }) {
    const { value, onChange, codeVerifiers } = props;
    const chosen = codeVerifiers.find((v) => v.name === value.method);
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Text>{codeVerifiers.length ? t('Confirm it is you with your password or a current code:') : t('Enter your account password to continue:')}</Typography.Text>
        {codeVerifiers.length > 0 && (
          <Radio.Group value={value.method} onChange={(e: any) => onChange({ method: e.target.value, secret: '' })}>
            <Radio value="password">{t('Password')}</Radio>
            {codeVerifiers.map((v) => (
              <Radio key={v.name} value={v.name}>
                {t('Code from {{method}}', { method: titleOf(app, t, v.title) })}
              </Radio>
            ))}
          </Radio.Group>
        )}
        {value.method === 'password' ? (
          <Input.Password
            autoFocus
            value={value.secret}
            placeholder={t('Your account password')}
            data-testid="two-factor-proof-password"
            onPressEnter={props.onEnter}
            onChange={(e: any) => onChange({ ...value, secret: e.target.value })}
          />
        ) : (
          <Input
            autoFocus
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={chosen?.codeLength || 64}
            value={value.secret}
            placeholder={t('Enter the code')}
            data-testid="two-factor-proof-code"
            onPressEnter={props.onEnter}
            onChange={(e: any) => onChange({ ...value, secret: String(e.target.value).replace(/\s/g, '') })}
          />
        )}
      </Space>
    );
  }

  function FlowModal(props: { flow: Flow; me: MeView; onClose: (changed: boolean) => void }) {
    const { flow, me } = props;
    const bound = me.verifiers.filter((v) => v.bound);
    const codeVerifiers = bound.filter((v) => !MESSAGE_TYPES.has(v.verificationType));
    const [proof, setProof] = useState({ method: 'password', secret: '' });
    const [receiver, setReceiver] = useState('');
    const [step, setStep] = useState<'proof' | 'confirm' | 'codes'>('proof');
    const [started, setStarted] = useState<any>(null);
    const [codes, setCodes] = useState<string[]>([]);
    const [error, setError] = useState<string | null>(null);
    const [busy, setBusy] = useState(false);
    const verifier = flow.kind === 'regenerate' ? null : flow.verifier;
    const isMessage = !!verifier && MESSAGE_TYPES.has(verifier.verificationType);
    const isTotp = verifier?.verificationType === 'totp';
    const proofBody = () => (proof.method === 'password' ? { password: proof.secret } : { code: proof.secret, proofVerifier: proof.method });

    const title =
      flow.kind === 'bind'
        ? t('Set up {{method}}', { method: titleOf(app, t, flow.verifier.title) })
        : flow.kind === 'unbind'
          ? t('Remove {{method}}', { method: titleOf(app, t, flow.verifier.title) })
          : t('Generate new backup codes');

    const startBind = async () => {
      const res = await call('twoFactorMe:bindStart', { verifier: verifier!.name, ...(isMessage && receiver.trim() ? { uuid: receiver.trim() } : {}), ...proofBody() });
      if (res.ok) {
        setError(null);
        setStarted(res.data);
        setStep('confirm');
      } else setError(describeError(t, res.error));
      return res;
    };

    const proceed = async () => {
      if (!proof.secret) return setError(proof.method === 'password' ? t('Please enter your password.') : t('Please enter the code.'));
      setBusy(true);
      if (flow.kind === 'bind') await startBind();
      else if (flow.kind === 'unbind') {
        const res = await call('twoFactorMe:unbind', { verifier: flow.verifier.name, ...proofBody() });
        if (res.ok) {
          message.success(t('{{method}} was removed.', { method: titleOf(app, t, flow.verifier.title) }));
          props.onClose(true);
        } else setError(describeError(t, res.error));
      } else {
        const res = await call<{ backupCodes: string[] }>('twoFactorMe:regenerateBackupCodes', proofBody());
        if (res.ok) {
          setCodes(res.data.backupCodes);
          setStep('codes');
        } else setError(describeError(t, res.error));
      }
      setBusy(false);
    };

    const confirmBind = async (code: string) => {
      setBusy(true);
      const res = await call<{ backupCodes?: string[] }>('twoFactorMe:bind', { verifier: verifier!.name, code });
      setBusy(false);
      if (!res.ok) return setError(describeError(t, res.error));
      message.success(t('{{method}} is set up.', { method: titleOf(app, t, verifier!.title) }));
      if (res.data.backupCodes?.length) {
        setCodes(res.data.backupCodes);
        setStep('codes');
      } else props.onClose(true);
    };

    const registry = thirdPartyForms(app, verifier?.verificationType);
    let body: React.ReactNode;
    if (step === 'codes') {
      body = <BackupCodes t={t} codes={codes} title={false} doneLabel={t('Done')} onDone={() => props.onClose(true)} />;
    } else if (step === 'proof') {
      body = (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          {flow.kind === 'regenerate' && <Alert type="warning" showIcon message={t('Your current backup codes stop working once the new ones are generated.')} />}
          {flow.kind === 'unbind' && <Typography.Text type="secondary">{t('You will no longer be able to sign in with this method.')}</Typography.Text>}
          {flow.kind === 'bind' && isMessage && (
            <Input
              value={receiver}
              onChange={(e: any) => setReceiver(e.target.value)}
              placeholder={verifier?.verificationType === 'email-otp' ? t('Email address (default: your account email)') : t('Phone number')}
            />
          )}
          <ProofFields codeVerifiers={codeVerifiers} value={proof} onChange={setProof} onEnter={proceed} />
          {error && <Alert type="error" showIcon message={error} data-testid="two-factor-error" />}
          <Button
            type="primary"
            danger={flow.kind === 'unbind'}
            block
            loading={busy}
            onClick={proceed}
            data-testid="two-factor-proceed"
          >
            {flow.kind === 'unbind' ? t('Remove') : flow.kind === 'regenerate' ? t('Generate') : isMessage ? t('Send code') : t('Continue')}
          </Button>
        </Space>
      );
    } else {
      body = (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          {isTotp && started && (
            <TotpSetup t={t} qrCode={started.qrCode} secret={started.secret} />
          )}
          {isMessage && (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Typography.Text type="secondary">{t('We sent a code to {{receiver}}.', { receiver: started?.uuid || started?.receiver || receiver || t('your address') })}</Typography.Text>
              <SendCodeButton
                t={t}
                initialWait={60}
                setError={setError}
                onSend={async () => {
                  if (proof.method === 'password') return startBind();
                  // A code proves once: asking for another mail or SMS needs a new one.
                  setProof({ ...proof, secret: '' });
                  setStep('proof');
                  return { ok: true, data: {} };
                }}
              />
            </Space>
          )}
          {registry?.BindForm && !isTotp && !isMessage ? (
            <RegistryForm
              t={t}
              Component={registry.BindForm}
              props={{ verifier: verifier!.name, actionType: 'twoFactorMe:bind', isLogged: true }}
              busy={busy}
              submitLabel={t('Confirm')}
              onSubmit={(values) => confirmBind(values.code)}
            />
          ) : (
            <>
              <Typography.Text>{isTotp ? t('Enter the code the app shows:') : t('Enter the code:')}</Typography.Text>
              <CodeInput t={t} length={isTotp ? verifier?.codeLength || 6 : verifier?.codeLength} disabled={busy} onSubmit={confirmBind} />
            </>
          )}
          {error && <Alert type="error" showIcon message={error} data-testid="two-factor-error" />}
        </Space>
      );
    }
    return (
      <Modal open title={title} footer={null} width={480} destroyOnClose maskClosable={false} onCancel={() => props.onClose(step !== 'proof')} zIndex={2000}>
        {body}
      </Modal>
    );
  }

  function TwoFactorMePanel() {
    const [me, setMe] = useState<MeView | null>(null);
    const [error, setError] = useState<string | null>(null);
    const [flow, setFlow] = useState<Flow | null>(null);
    const load = useCallback(async () => {
      const res = await call<MeView>('twoFactorMe:get');
      if (res.ok) setMe(res.data);
      else setError(describeError(t, res.error));
    }, []);
    useEffect(() => {
      load();
    }, [load]);
    if (error) return <Alert type="error" showIcon message={error} />;
    if (!me) return <Spin />;

    const bound = me.verifiers.filter((v) => v.bound);
    const on = bound.length > 0;
    // Why, in the organisation's words; a user who only opted in needs no reason.
    const reasons = me.requiredBecause
      .filter((r) => r !== 'opt-in')
      .map((r) => (r === 'all' ? t('All users') : r === 'user' ? t('Set for you by an administrator') : t('Role: {{role}}', { role: r.replace(/^role:/, '') })))
      .join(', ');

    const revoke = async (id?: number) => {
      const res = id ? await call('twoFactorMe:revokeDevice', { id }) : await call('twoFactorMe:revokeAllDevices', {});
      if (!res.ok) return message.error(describeError(t, res.error));
      message.success(id ? t('The device is no longer trusted.') : t('No device is trusted any more.'));
      load();
    };

    const section = (title: string, extra?: React.ReactNode) => (
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', margin: '24px 0 12px' }}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {title}
        </Typography.Title>
        {extra}
      </div>
    );

    return (
      <div data-testid="two-factor-me">
        {on ? (
          <Alert
            type="success"
            showIcon
            message={t('Two-factor authentication is on')}
            description={
              reasons
                ? t('Required by your organisation ({{reasons}}).', { reasons })
                : t('You are asked for a second step at every password sign-in.')
            }
          />
        ) : me.required ? (
          <Alert type="warning" showIcon message={t('Two-factor authentication is required for your account')} description={t('Set up a method below; otherwise you will be asked at your next sign-in.')} />
        ) : (
          <Alert type="info" showIcon message={t('Two-factor authentication is off')} description={t('Add a method to protect your account with a second step at sign-in.')} />
        )}

        {section(t('Verification methods'))}
        <List
          bordered
          dataSource={me.verifiers}
          locale={{ emptyText: t('No verification method is offered. Ask your administrator.') }}
          renderItem={(v: VerifierView) => (
            <List.Item
              data-testid={`two-factor-method-${v.name}`}
              actions={[
                v.bound ? (
                  <a key="remove" onClick={() => setFlow({ kind: 'unbind', verifier: v })} data-testid={`two-factor-remove-${v.name}`}>
                    {t('Remove')}
                  </a>
                ) : (
                  <a key="bind" onClick={() => setFlow({ kind: 'bind', verifier: v })} data-testid={`two-factor-bind-${v.name}`}>
                    {t('Set up')}
                  </a>
                ),
              ]}
            >
              <List.Item.Meta
                title={
                  <Space>
                    {titleOf(app, t, v.title)}
                    {v.bound ? <Tag color="success">{t('Configured')}</Tag> : <Tag>{t('Not configured')}</Tag>}
                  </Space>
                }
                description={v.bound && v.boundInfo ? v.boundInfo : undefined}
              />
            </List.Item>
          )}
        />

        {section(
          t('Backup codes'),
          <Button disabled={!on} onClick={() => setFlow({ kind: 'regenerate' })} data-testid="two-factor-regenerate">
            {t('Generate new codes')}
          </Button>,
        )}
        <Typography.Text type="secondary" data-testid="two-factor-codes-left">
          {on
            ? t('{{count}} codes left. Each signs you in once when you cannot use your device.', { count: me.backupCodes.remaining })
            : t('Backup codes are created when you set up your first method.')}
        </Typography.Text>

        {section(
          t('Trusted devices'),
          me.trustedDevices.length > 0 && (
            <Popconfirm title={t('Stop trusting every device?')} okText={t('Confirm')} cancelText={t('Cancel')} onConfirm={() => revoke()} zIndex={2000}>
              <Button danger data-testid="two-factor-revoke-all">
                {t('Revoke all')}
              </Button>
            </Popconfirm>
          ),
        )}
        <List
          bordered
          dataSource={me.trustedDevices}
          locale={{ emptyText: t('No trusted devices. Tick "Trust this device" when you verify at sign-in to skip the second step on that device.') }}
          renderItem={(d: DeviceView) => (
            <List.Item
              data-testid={`two-factor-device-${d.id}`}
              actions={[
                <Popconfirm key="revoke" title={t('Stop trusting this device?')} okText={t('Confirm')} cancelText={t('Cancel')} onConfirm={() => revoke(d.id)} zIndex={2000}>
                  <a data-testid={`two-factor-revoke-${d.id}`}>{t('Revoke')}</a>
                </Popconfirm>,
              ]}
            >
              <List.Item.Meta
                title={
                  <Space>
                    <span title={d.userAgent || ''}>{describeAgent(d.userAgent)}</span>
                    {d.current && <Tag color="processing">{t('This device')}</Tag>}
                  </Space>
                }
                description={t('IP {{ip}} · last used {{lastUsed}} · trusted until {{expires}}', {
                  ip: d.ip || '—',
                  lastUsed: formatTime(d.lastUsedAt || d.createdAt),
                  expires: formatTime(d.expiresAt),
                })}
              />
            </List.Item>
          )}
        />
        {flow && (
          <FlowModal
            flow={flow}
            me={me}
            onClose={(changed) => {
              setFlow(null);
              if (changed) load();
            }}
          />
        )}
      </div>
    );
  }

  /** The user-center menu entry: closes the menu and opens the drawer. */
  return function TwoFactorMenuItem() {
    const dropdown = useContext(DropdownVisibleContext) as any;
    const [open, setOpen] = useState(false);
    return (
      <>
        <SchemaSettingsItem eventKey="two-factor" title={t('Two-factor authentication')}>
          <div
            data-testid="two-factor-user-center"
            onClick={(e: any) => {
              e.stopPropagation();
              dropdown?.setVisible?.(false);
              setOpen(true);
            }}
          >
            {t('Two-factor authentication')}
          </div>
        </SchemaSettingsItem>
        {open && (
          <div onClick={(e) => e.stopPropagation()}>
            <Drawer open width={640} title={t('Two-factor authentication')} onClose={() => setOpen(false)} destroyOnClose>
              <TwoFactorMePanel />
            </Drawer>
          </div>
        )}
      </>
    );
  };
}
