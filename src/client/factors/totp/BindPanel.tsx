/** Setting up an authenticator app: the QR code and key, then the code the app shows. */
import React, { useEffect } from 'react';
import { Space, Typography } from 'antd';
import { CodeInput } from '../../shared/components';
import { useT } from '../../shared/i18n';
import type { BindPanelProps } from '../types';
import { TotpSetup } from './TotpSetup';

export function BindPanel(props: BindPanelProps) {
  const t = useT();
  const { started, verifier } = props;
  useEffect(() => {
    // Nothing to type first: on /2fa the secret is made as soon as the method is chosen.
    if (props.step === 'sign-in') props.start();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  if (!started) return null;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <TotpSetup qrCode={started.qrCode} secret={started.secret} />
      <Typography.Text>{t('Enter the code the app shows:')}</Typography.Text>
      <CodeInput length={verifier.codeLength || 6} disabled={props.busy} busy={props.busy} submitLabel={t('Confirm')} onSubmit={(code) => props.confirm({ code })} />
    </Space>
  );
}
