/** The QR code of a new authenticator-app secret, and the key to type by hand. */
import React from 'react';
import { Space, Typography } from 'antd';
import { useT } from '../../shared/i18n';

export function TotpSetup(props: { qrCode: string; secret: string }) {
  const t = useT();
  return (
    <Space direction="vertical" style={{ width: '100%' }} align="center">
      <Typography.Text>{t('Scan this QR code with your authenticator app:')}</Typography.Text>
      <img src={props.qrCode} alt={t('QR code')} width={200} height={200} data-testid="two-factor-qr" />
      <Typography.Text type="secondary">{t('Or enter this key by hand:')}</Typography.Text>
      <Typography.Text code copyable data-testid="two-factor-secret">
        {props.secret}
      </Typography.Text>
    </Space>
  );
}
