/**
 * The personal-center drawer: whether 2FA is on and why, the methods to set up or remove, the
 * backup codes left, and the trusted devices.
 */
import React, { useCallback, useEffect, useState } from 'react';
import { Alert, Button, List, Space, Spin, Tag, Typography } from 'antd';
import { useApp } from '../shared/host';
import { RESOURCES } from '../../constants';
import { factorUi } from '../factors';
import { describeError, useCall, VerifierView } from '../shared/api';
import { reasonLabel, titleOf } from '../shared/format';
import { useT } from '../shared/i18n';
import { FlowModal } from './FlowModal';
import { SectionHeader } from './SectionHeader';
import { TrustedDevices } from './TrustedDevices';
import type { Flow, MeView } from './types';

export function MethodsPanel() {
  const app = useApp();
  const t = useT();
  const call = useCall();
  const [me, setMe] = useState<MeView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [flow, setFlow] = useState<Flow | null>(null);
  const load = useCallback(async () => {
    const res = await call<MeView>(`${RESOURCES.me}:get`);
    if (res.ok) setMe(res.data);
    else setError(describeError(t, res.error));
  }, [call, t]);
  useEffect(() => {
    load();
  }, [load]);
  if (error) return <Alert type="error" showIcon message={error} />;
  if (!me) return <Spin />;

  const on = me.verifiers.some((v) => v.bound);
  // Why, in the organisation's words; a user who only opted in needs no reason.
  const reasons = me.requiredBecause
    .filter((r) => r !== 'opt-in')
    .map((r) => reasonLabel(t, r, 'self'))
    .join(', ');

  return (
    <div data-testid="two-factor-me">
      <Typography.Paragraph type="secondary" data-testid="two-factor-me-intro">
        {t('The one place for your second sign-in step: the methods you verify with, your backup codes and the devices you trust.')}
      </Typography.Paragraph>
      {on ? (
        <Alert
          type="success"
          showIcon
          message={t('Two-factor authentication is on')}
          description={reasons ? t('Required by your organisation ({{reasons}}).', { reasons }) : t('You are asked for a second step at every password sign-in.')}
        />
      ) : me.required ? (
        <Alert type="warning" showIcon message={t('Two-factor authentication is required for your account')} description={t('Set up a method below; otherwise you will be asked at your next sign-in.')} />
      ) : (
        <Alert type="info" showIcon message={t('Two-factor authentication is off')} description={t('Add a method to protect your account with a second step at sign-in.')} />
      )}

      <SectionHeader title={t('Verification methods')} />
      <List
        bordered
        dataSource={me.verifiers}
        locale={{ emptyText: t('No verification method is offered. Ask your administrator.') }}
        renderItem={(v: VerifierView) => {
          // A type with several credentials (security keys) lists them, each removable.
          const { Credentials } = factorUi(v.verificationType);
          return (
            <List.Item
              data-testid={`two-factor-method-${v.name}`}
              actions={[
                v.bound ? (
                  <a key="remove" onClick={() => setFlow({ kind: 'unbind', verifier: v })} data-testid={`two-factor-remove-${v.name}`}>
                    {Credentials ? t('Remove all') : t('Remove')}
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
                description={
                  v.bound && Credentials ? (
                    <Credentials
                      verifier={v}
                      onAdd={() => setFlow({ kind: 'bind', verifier: v })}
                      onRemove={(credential) => setFlow({ kind: 'removeCredential', verifier: v, credential })}
                      onChange={load}
                    />
                  ) : v.bound && v.boundInfo ? (
                    v.boundInfo
                  ) : undefined
                }
              />
            </List.Item>
          );
        }}
      />

      <SectionHeader
        title={t('Backup codes')}
        extra={
          <Button disabled={!on} onClick={() => setFlow({ kind: 'regenerate' })} data-testid="two-factor-regenerate">
            {t('Generate new codes')}
          </Button>
        }
      />
      <Typography.Text type="secondary" data-testid="two-factor-codes-left">
        {on
          ? t('{{count}} codes left. Each signs you in once when you cannot use your device.', { count: me.backupCodes.remaining })
          : t('Backup codes are created when you set up your first method.')}
      </Typography.Text>

      <TrustedDevices devices={me.trustedDevices} onChange={load} />
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

export default MethodsPanel;
