/** Signing in with an authenticator app: its current code. */
import React from 'react';
import { Space, Typography } from 'antd';
import { CodeInput } from '../../shared/components';
import { useT } from '../../shared/i18n';
import type { VerifyPanelProps } from '../types';

export function VerifyPanel(props: VerifyPanelProps) {
  const t = useT();
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('Enter the code from your authenticator app.')}</Typography.Text>
      <CodeInput
        length={props.verifier.codeLength}
        disabled={props.busy || props.disabled}
        busy={props.busy}
        submitLabel={t('Verify')}
        onSubmit={(code) => props.submit({ code })}
      />
    </Space>
  );
}
