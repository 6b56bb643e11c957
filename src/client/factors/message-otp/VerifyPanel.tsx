/** Signing in with email or SMS codes: send one to the bound receiver, then enter it. */
import React from 'react';
import { Space, Typography } from 'antd';
import { CodeInput, SendCodeButton } from '../../shared/components';
import { useT } from '../../shared/i18n';
import type { VerifyPanelProps } from '../types';

export function VerifyPanel(props: VerifyPanelProps) {
  const t = useT();
  const { verifier } = props;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('Send a code to {{receiver}} and enter it below.', { receiver: verifier.boundInfo || '' })}</Typography.Text>
      <SendCodeButton onSend={props.sendCode} setError={props.setError} />
      <CodeInput
        length={verifier.codeLength}
        disabled={props.busy || props.disabled}
        busy={props.busy}
        submitLabel={t('Verify')}
        onSubmit={(code) => props.submit({ code })}
      />
    </Space>
  );
}
