/** New backup codes, shown once: copy, download as .txt, and "I have saved them" before going on. */
import React, { useState } from 'react';
import { Button, Checkbox, Space, Typography } from 'antd';
import { useT } from '../../shared/i18n';

export function CodesPanel(props: { codes: string[]; onDone: () => void; doneLabel?: string; title?: boolean }) {
  const t = useT();
  const [saved, setSaved] = useState(false);
  const text = props.codes.join('\n');
  const download = () => {
    const blob = new Blob([`${t('Backup codes')}\n\n${text}\n`], { type: 'text/plain' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'backup-codes.txt';
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      {props.title !== false && <Typography.Title level={4}>{t('Save your backup codes')}</Typography.Title>}
      <Typography.Text type="secondary">
        {t('Each code signs you in once if you lose your device. They are shown only now: keep them somewhere safe.')}
      </Typography.Text>
      <div
        data-testid="two-factor-backup-codes"
        style={{
          display: 'grid',
          gridTemplateColumns: '1fr 1fr',
          gap: '8px 24px',
          padding: '12px 16px',
          borderRadius: 6,
          background: 'rgba(0, 0, 0, 0.03)',
          fontFamily: 'SFMono-Regular, Menlo, Consolas, monospace',
          fontSize: 16,
        }}
      >
        {props.codes.map((code) => (
          <span key={code}>{code}</span>
        ))}
      </div>
      <Space>
        <Typography.Text copyable={{ text }}>{t('Copy')}</Typography.Text>
        <Button size="small" onClick={download}>
          {t('Download as .txt')}
        </Button>
      </Space>
      <Checkbox checked={saved} onChange={(e: any) => setSaved(e.target.checked)} data-testid="two-factor-saved">
        {t('I have saved these codes')}
      </Checkbox>
      <Button type="primary" block size="large" disabled={!saved} onClick={props.onDone} data-testid="two-factor-continue">
        {props.doneLabel || t('Continue')}
      </Button>
    </Space>
  );
}
