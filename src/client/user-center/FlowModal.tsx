/**
 * One change in the personal center, in a dialog: set up a method, remove one, or generate new
 * backup codes. Each begins with fresh proof (as the server requires); setting up then shows the
 * method's own panel, and a first method's backup codes.
 */
import React, { useState } from 'react';
import { Alert, Button, message, Modal, Space, Typography } from 'antd';
import { useApp } from '../shared/host';
import { RESOURCES } from '../../constants';
import { CodesPanel } from '../factors/backup-codes';
import { CodeValues, factorUi } from '../factors';
import { describeError, Result, useCall } from '../shared/api';
import { titleOf } from '../shared/format';
import { useT } from '../shared/i18n';
import { PASSWORD, Proof, proofBody, ProofFields } from './ProofFields';
import type { Flow, MeView } from './types';

const ME = RESOURCES.me;

export function FlowModal(props: { flow: Flow; me: MeView; onClose: (changed: boolean) => void }) {
  const { flow, me } = props;
  const app = useApp();
  const t = useT();
  const call = useCall();
  // Codes sent by message can't prove anything here: nothing sends one in this dialog. Nor can
  // a type with no code at all (security keys).
  const codeVerifiers = me.verifiers.filter((v) => v.bound && !factorUi(v.verificationType).sendsCodes && !factorUi(v.verificationType).noCode);
  const [proof, setProof] = useState<Proof>({ method: PASSWORD, secret: '' });
  const [receiver, setReceiver] = useState('');
  const [step, setStep] = useState<'proof' | 'confirm' | 'codes'>('proof');
  const [started, setStarted] = useState<Record<string, any> | null>(null);
  const [codes, setCodes] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const verifier = flow.kind === 'regenerate' ? null : flow.verifier;
  const ui = verifier ? factorUi(verifier.verificationType) : null;
  const methodTitle = verifier ? titleOf(app, t, verifier.title) : '';

  const removing = flow.kind === 'unbind' || flow.kind === 'removeCredential';
  const title =
    flow.kind === 'bind'
      ? t('Set up {{method}}', { method: methodTitle })
      : flow.kind === 'unbind'
        ? t('Remove {{method}}', { method: methodTitle })
        : flow.kind === 'removeCredential'
          ? t('Remove {{method}}', { method: flow.credential.name })
          : t('Generate new backup codes');

  const startBind = async () => {
    const uuid = receiver.trim();
    const res = await call(`${ME}:bindStart`, { verifier: verifier!.name, ...(uuid ? { uuid } : {}), ...proofBody(proof) });
    if (res.ok) {
      setError(null);
      setStarted(res.data);
      setStep('confirm');
    } else setError(describeError(t, res.error));
    return res;
  };

  /** Another code: a password proves again, a code proved once and a new one is needed. */
  const restartBind = async (): Promise<Result<any>> => {
    if (proof.method === PASSWORD) return startBind();
    setProof({ ...proof, secret: '' });
    setStep('proof');
    return { ok: true, data: {} };
  };

  const proceed = async () => {
    if (!proof.secret) return setError(proof.method === PASSWORD ? t('Please enter your password.') : t('Please enter the code.'));
    setBusy(true);
    if (flow.kind === 'bind') await startBind();
    else if (flow.kind === 'unbind') {
      const res = await call(`${ME}:unbind`, { verifier: flow.verifier.name, ...proofBody(proof) });
      if (res.ok) {
        message.success(t('{{method}} was removed.', { method: methodTitle }));
        props.onClose(true);
      } else setError(describeError(t, res.error));
    } else if (flow.kind === 'removeCredential') {
      const res = await call(`${ME}:removeCredential`, { id: flow.credential.id, ...proofBody(proof) });
      if (res.ok) {
        message.success(t('{{method}} was removed.', { method: flow.credential.name }));
        props.onClose(true);
      } else setError(describeError(t, res.error));
    } else {
      const res = await call<{ backupCodes: string[] }>(`${ME}:regenerateBackupCodes`, proofBody(proof));
      if (res.ok) {
        setCodes(res.data.backupCodes);
        setStep('codes');
      } else setError(describeError(t, res.error));
    }
    setBusy(false);
  };

  const confirmBind = async (values: CodeValues) => {
    setBusy(true);
    const res = await call<{ backupCodes?: string[] }>(`${ME}:bind`, { ...values, verifier: verifier!.name });
    setBusy(false);
    if (!res.ok) return setError(describeError(t, res.error));
    message.success(t('{{method}} is set up.', { method: methodTitle }));
    if (res.data.backupCodes?.length) {
      setCodes(res.data.backupCodes);
      setStep('codes');
    } else props.onClose(true);
  };

  const errorAlert = error && <Alert type="error" showIcon message={error} data-testid="two-factor-error" />;
  let body: React.ReactNode;
  if (step === 'codes') {
    body = <CodesPanel codes={codes} title={false} doneLabel={t('Done')} onDone={() => props.onClose(true)} />;
  } else if (step === 'proof') {
    const Receiver = flow.kind === 'bind' ? ui?.ReceiverField : undefined;
    body = (
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        {flow.kind === 'regenerate' && <Alert type="warning" showIcon message={t('Your current backup codes stop working once the new ones are generated.')} />}
        {flow.kind === 'unbind' && <Typography.Text type="secondary">{t('You will no longer be able to sign in with this method.')}</Typography.Text>}
        {flow.kind === 'removeCredential' && <Typography.Text type="secondary">{t('You will no longer be able to sign in with this key.')}</Typography.Text>}
        {Receiver && verifier && <Receiver verifier={verifier} value={receiver} onChange={setReceiver} />}
        <ProofFields codeVerifiers={codeVerifiers} value={proof} onChange={setProof} onEnter={proceed} />
        {errorAlert}
        <Button type="primary" danger={removing} block loading={busy} onClick={proceed} data-testid="two-factor-proceed">
          {removing ? t('Remove') : flow.kind === 'regenerate' ? t('Generate') : ui?.sendsCodes ? t('Send code') : t('Continue')}
        </Button>
      </Space>
    );
  } else {
    const BindPanel = ui!.BindPanel;
    body = (
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <BindPanel
          verifier={verifier!}
          step="confirm"
          started={started}
          start={restartBind}
          receiver={receiver}
          setReceiver={setReceiver}
          confirm={confirmBind}
          busy={busy}
          setError={setError}
        />
        {errorAlert}
      </Space>
    );
  }
  return (
    <Modal open title={title} footer={null} width={480} destroyOnClose maskClosable={false} onCancel={() => props.onClose(step !== 'proof')} zIndex={2000}>
      {body}
    </Modal>
  );
}
