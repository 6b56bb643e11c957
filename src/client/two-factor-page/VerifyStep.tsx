/** /2fa for a user with a bound factor: one tab per method (and backup codes), trust this device. */
import React, { useState } from 'react';
import { Alert, Checkbox, Space, Spin, Tabs, Typography } from 'antd';
import { VerifyPanel as BackupCodeVerifyPanel } from '../factors/backup-codes';
import { CodeValues, factorUi } from '../factors';
import { describeError } from '../shared/api';
import { useT } from '../shared/i18n';
import type { Pending } from '../shared/pending';
import type { ChallengeInfo, Session, TwoFactorCall } from './challenge';
import type { Exits } from './exits';
import { AttemptsUsedUp, BackToSignIn, LockedNotice, useStepState } from './StepParts';

export function VerifyStep(props: { pending: Pending; info: ChallengeInfo; call: TwoFactorCall; exits: Exits }) {
  const { info, call, pending, exits } = props;
  const t = useT();
  const bound = info.verifiers.filter((v) => v.bound);
  const { error, setError, lockedUntil, ended, refuse } = useStepState(info.lockedUntil);
  const locked = !!lockedUntil;
  const [busy, setBusy] = useState(false);
  const [trust, setTrust] = useState(false);
  const submit = async (values: CodeValues) => {
    setBusy(true);
    const res = await call<Session>('verify', { ...values, ...(trust ? { trustDevice: true } : {}) });
    setBusy(false);
    if (res.ok) return exits.complete(pending, res.data);
    if (res.status === 401) return exits.backToSignIn(describeError(t, res.error));
    refuse(res.error);
  };
  const tabs = bound.map((v) => {
    const { VerifyPanel } = factorUi(v.verificationType);
    return {
      key: v.name,
      label: t(v.title),
      children: (
        <VerifyPanel
          verifier={v}
          busy={busy}
          disabled={locked}
          setError={setError}
          sendCode={() => call('sendCode', { verifier: v.name })}
          start={() => call('verifyStart', { verifier: v.name })}
          submit={(values) => submit({ ...values, verifier: v.name })}
        />
      ),
    };
  });
  if (info.backupCodes.remaining > 0) {
    tabs.push({
      key: '__backup',
      label: t('Backup code'),
      children: <BackupCodeVerifyPanel busy={busy} disabled={locked} submit={(backupCode) => submit({ backupCode })} />,
    });
  }
  if (ended) {
    return (
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Title level={4}>{t('Two-factor authentication')}</Typography.Title>
        <AttemptsUsedUp reason={ended} exits={exits} />
      </Space>
    );
  }
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={4}>{t('Two-factor authentication')}</Typography.Title>
      {lockedUntil && <LockedNotice until={lockedUntil} />}
      {tabs.length > 1 && <Typography.Text type="secondary">{t('Choose how to verify it is you:')}</Typography.Text>}
      {/* While locked, nothing in the panels can be used (third-party forms included). */}
      <fieldset disabled={locked} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
        <Tabs items={tabs} destroyInactiveTabPane />
      </fieldset>
      {info.allowTrustedDevices && (
        <Checkbox checked={trust} disabled={locked} onChange={(e: any) => setTrust(e.target.checked)}>
          {t('Trust this device for {{days}} days', { days: info.trustedDeviceDays })}
        </Checkbox>
      )}
      {error && <Alert type="error" showIcon message={error} data-testid="two-factor-error" />}
      {busy && <Spin />}
      <BackToSignIn exits={exits} />
    </Space>
  );
}
