/** Signing in with one of the backup codes. */
import React from 'react';
import { Space, Typography } from 'antd';
import { CodeInput } from '../../shared/components';
import { useT } from '../../shared/i18n';

export function VerifyPanel(props: { busy: boolean; disabled?: boolean; submit: (backupCode: string) => void }) {
  const t = useT();
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('Enter one of your backup codes. Each works once.')}</Typography.Text>
      <CodeInput placeholder="xxxxx-xxxxx" disabled={props.busy || props.disabled} busy={props.busy} submitLabel={t('Verify')} onSubmit={props.submit} />
    </Space>
  );
}
