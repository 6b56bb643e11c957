/** The devices that skip the second step, each revocable, or all at once. */
import React from 'react';
import { Button, List, message, Popconfirm, Space, Tag } from 'antd';
import { RESOURCES } from '../../constants';
import { describeError, useCall } from '../shared/api';
import { describeAgent, formatTime } from '../shared/format';
import { useT } from '../shared/i18n';
import { SectionHeader } from './SectionHeader';
import type { DeviceView } from './types';

export function TrustedDevices(props: { devices: DeviceView[]; onChange: () => void }) {
  const t = useT();
  const call = useCall();
  const revoke = async (id?: number) => {
    const res = id ? await call(`${RESOURCES.me}:revokeDevice`, { id }) : await call(`${RESOURCES.me}:revokeAllDevices`, {});
    if (!res.ok) return message.error(describeError(t, res.error));
    message.success(id ? t('The device is no longer trusted.') : t('No device is trusted any more.'));
    props.onChange();
  };
  return (
    <>
      <SectionHeader
        title={t('Trusted devices')}
        extra={
          props.devices.length > 0 && (
            <Popconfirm title={t('Stop trusting every device?')} okText={t('Confirm')} cancelText={t('Cancel')} onConfirm={() => revoke()} zIndex={2000}>
              <Button danger data-testid="two-factor-revoke-all">
                {t('Revoke all')}
              </Button>
            </Popconfirm>
          )
        }
      />
      <List
        bordered
        dataSource={props.devices}
        locale={{ emptyText: t('No trusted devices. Tick "Trust this device" when you verify at sign-in to skip the second step on that device.') }}
        renderItem={(d: DeviceView) => (
          <List.Item
            data-testid={`two-factor-device-${d.id}`}
            actions={[
              <Popconfirm key="revoke" title={t('Stop trusting this device?')} okText={t('Confirm')} cancelText={t('Cancel')} onConfirm={() => revoke(d.id)} zIndex={2000}>
                <a data-testid={`two-factor-revoke-${d.id}`}>{t('Revoke')}</a>
              </Popconfirm>,
            ]}
          >
            <List.Item.Meta
              title={
                <Space>
                  <span title={d.userAgent || ''}>{describeAgent(d.userAgent)}</span>
                  {d.current && <Tag color="processing">{t('This device')}</Tag>}
                </Space>
              }
              description={t('IP {{ip}} · last used {{lastUsed}} · trusted until {{expires}}', {
                ip: d.ip || '—',
                lastUsed: formatTime(d.lastUsedAt || d.createdAt),
                expires: formatTime(d.expiresAt),
              })}
            />
          </List.Item>
        )}
      />
    </>
  );
}
