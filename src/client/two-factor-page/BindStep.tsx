/** /2fa for a user with nothing bound yet: choose a method, set it up, then save the backup codes. */
import React, { useState } from 'react';
import { Alert, Button, Divider, Radio, Space, Typography } from 'antd';
import { CodesPanel } from '../factors/backup-codes';
import { CodeValues, factorUi } from '../factors';
import { describeError } from '../shared/api';
import { useT } from '../shared/i18n';
import type { Pending } from '../shared/pending';
import type { ChallengeInfo, Session, TwoFactorCall } from './challenge';
import type { Exits } from './exits';
import { AttemptsUsedUp, BackToSignIn, LockedNotice, useStepState } from './StepParts';

export function BindStep(props: { pending: Pending; info: ChallengeInfo; call: TwoFactorCall; exits: Exits }) {
  const { info, call, pending, exits } = props;
  const t = useT();
  const [choice, setChoice] = useState<string>(info.verifiers[0]?.name);
  const [started, setStarted] = useState<Record<string, any> | null>(null);
  const [receiver, setReceiver] = useState('');
  const { error, setError, lockedUntil, ended, refuse } = useStepState(info.lockedUntil);
  const [busy, setBusy] = useState(false);
  const [session, setSession] = useState<Session | null>(null);
  const verifier = info.verifiers.find((v) => v.name === choice);

  const start = async () => {
    setError(null);
    const uuid = receiver.trim();
    const res = await call('bindStart', { verifier: choice, ...(uuid ? { uuid } : {}) });
    if (res.ok) setStarted(res.data);
    else if (res.status === 401) exits.backToSignIn(describeError(t, res.error));
    else refuse(res.error);
    return res;
  };

  const confirm = async (values: CodeValues) => {
    setBusy(true);
    const res = await call<Session>('bind', { ...values, verifier: choice });
    setBusy(false);
    if (!res.ok) return res.status === 401 ? exits.backToSignIn(describeError(t, res.error)) : refuse(res.error);
    if (res.data.backupCodes?.length) setSession(res.data);
    else exits.complete(pending, res.data);
  };

  if (session) return <CodesPanel codes={session.backupCodes || []} onDone={() => exits.complete(pending, session)} />;
  const skippable = info.skippableUntil && new Date(info.skippableUntil).getTime() > Date.now();
  const { BindPanel } = factorUi(verifier?.verificationType);
  if (ended) {
    return (
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Title level={4}>{t('Set up two-factor authentication')}</Typography.Title>
        <AttemptsUsedUp reason={ended} exits={exits} />
      </Space>
    );
  }
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={4}>{t('Set up two-factor authentication')}</Typography.Title>
      <Typography.Text type="secondary">
        {info.verifiers.length > 1
          ? t('Your organisation requires a second step when you sign in. Choose a method:')
          : t('Your organisation requires a second step when you sign in.')}
      </Typography.Text>
      {info.verifiers.length > 1 && (
        <Radio.Group
          value={choice}
          onChange={(e: any) => {
            setStarted(null);
            setChoice(e.target.value);
          }}
        >
          <Space direction="vertical">
            {info.verifiers.map((v) => (
              <Radio key={v.name} value={v.name}>
                {t(v.title)}
              </Radio>
            ))}
          </Space>
        </Radio.Group>
      )}
      {lockedUntil && <LockedNotice until={lockedUntil} />}
      {verifier && (
        // While locked, nothing in the panel can be used (third-party forms included).
        <fieldset disabled={!!lockedUntil} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          <BindPanel
            key={verifier.name}
            verifier={verifier}
            step="sign-in"
            started={started}
            start={start}
            receiver={receiver}
            setReceiver={setReceiver}
            confirm={confirm}
            busy={busy}
            setError={setError}
          />
        </fieldset>
      )}
      {error && <Alert type="error" showIcon message={error} data-testid="two-factor-error" />}
      {skippable && (
        <>
          <Divider plain />
          <Button
            type="link"
            onClick={async () => {
              const res = await call<Session>('skip', {});
              if (res.ok) exits.complete(pending, res.data);
              else setError(describeError(t, res.error));
            }}
          >
            {t('Remind me later')}
          </Button>
        </>
      )}
      <BackToSignIn exits={exits} />
    </Space>
  );
}
