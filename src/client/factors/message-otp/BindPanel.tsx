/**
 * Setting up email or SMS codes. On /2fa: the receiver and "Send code", then the code. In the
 * personal center the receiver came with the proof: where the code went, "Resend", then the code.
 */
import React from 'react';
import { Space, Typography } from 'antd';
import { CodeInput, SendCodeButton } from '../../shared/components';
import { useT } from '../../shared/i18n';
import type { BindPanelProps } from '../types';
import { ReceiverField } from './ReceiverField';

export function BindPanel(props: BindPanelProps) {
  const t = useT();
  const { started, verifier } = props;
  const sent =
    props.step === 'sign-in' ? (
      <Space direction="vertical" style={{ width: '100%' }}>
        <ReceiverField verifier={verifier} value={props.receiver} onChange={props.setReceiver} />
        <SendCodeButton onSend={props.start} setError={props.setError} />
      </Space>
    ) : (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Text type="secondary">
          {t('We sent a code to {{receiver}}.', { receiver: started?.uuid || started?.receiver || props.receiver || t('your address') })}
        </Typography.Text>
        <SendCodeButton initialWait={60} setError={props.setError} onSend={props.start} />
      </Space>
    );
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      {sent}
      {started && <Typography.Text>{t('Enter the code:')}</Typography.Text>}
      {started && (
        <CodeInput
          length={verifier.codeLength}
          disabled={props.busy}
          busy={props.busy}
          submitLabel={t('Confirm')}
          onSubmit={(code) => props.confirm({ code })}
          autoFocus={props.step !== 'sign-in'}
        />
      )}
    </Space>
  );
}
