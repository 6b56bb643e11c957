/** Every user's 2FA state, searchable, with Enforce / Stop enforcing and Reset. */
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { Button, Input, message, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useApp } from '../shared/host';
import { RESOURCES } from '../../constants';
import { describeError, useCall } from '../shared/api';
import { formatTime, reasonLabel, shownReasons, titleOf } from '../shared/format';
import { useT } from '../shared/i18n';
import type { SettingsView } from './types';
import { usePaging } from './use-paging';

type Tri = 'any' | 'yes' | 'no';

/** A filter that is either off ("any") or yes / no. */
function TriSelect(props: { value: Tri; onChange: (v: Tri) => void; labels: [string, string, string] }) {
  const [any, yes, no] = props.labels;
  return (
    <Select
      value={props.value}
      style={{ width: 180 }}
      onChange={props.onChange}
      options={[
        { value: 'any', label: any },
        { value: 'yes', label: yes },
        { value: 'no', label: no },
      ]}
    />
  );
}

export function UsersTab(props: { settings: SettingsView }) {
  const app = useApp();
  const t = useT();
  const call = useCall();
  const titles = useMemo(() => new Map(props.settings.choices.verifiers.map((v) => [v.name, titleOf(app, t, v.title)])), [props.settings, app, t]);
  const [q, setQ] = useState('');
  const [required, setRequired] = useState<Tri>('any');
  const [bound, setBound] = useState<Tri>('any');
  const { page, first, pagination } = usePaging(t);
  const [data, setData] = useState<{ rows: any[]; count: number }>({ rows: [], count: 0 });
  const [loading, setLoading] = useState(false);
  const [resetting, setResetting] = useState<any>(null);
  const nameOf = (row: any) => row.nickname || row.username;

  const load = useCallback(async () => {
    setLoading(true);
    const filter: Record<string, unknown> = {};
    if (q.trim()) filter.q = q.trim();
    if (required !== 'any') filter.required = required === 'yes';
    if (bound !== 'any') filter.bound = bound === 'yes';
    const res = await call<any[]>(`${RESOURCES.users}:list`, undefined, { page: page.current, pageSize: page.pageSize, filter: JSON.stringify(filter) });
    setLoading(false);
    if (res.ok) setData({ rows: res.data || [], count: res.meta?.count ?? 0 });
    else message.error(describeError(t, res.error));
  }, [q, required, bound, page, call, t]);
  useEffect(() => {
    load();
  }, [load]);

  const setEnforced = async (row: any, enforced: boolean) => {
    const res = await call(`${RESOURCES.users}:setEnforced`, { userId: row.id, enforced });
    if (!res.ok) return message.error(describeError(t, res.error));
    message.success(enforced ? t('2FA is now required for {{name}}.', { name: nameOf(row) }) : t('2FA is no longer enforced for {{name}} individually.', { name: nameOf(row) }));
    load();
  };
  const reset = async () => {
    const res = await call(`${RESOURCES.users}:reset`, { userId: resetting.id });
    if (!res.ok) return message.error(describeError(t, res.error));
    message.success(t('2FA of {{name}} was reset.', { name: nameOf(resetting) }));
    setResetting(null);
    load();
  };

  const unlock = async (row: any) => {
    const res = await call(`${RESOURCES.users}:unlock`, { userId: row.id });
    if (!res.ok) return message.error(describeError(t, res.error));
    message.success(t('{{name}} can verify again.', { name: nameOf(row) }));
    load();
  };
  const isLocked = (row: any) => !!row.lockedUntil && new Date(row.lockedUntil).getTime() > Date.now();

  const signOutUnverified = async () => {
    const res = await call<{ users: number; sessions: number }>(`${RESOURCES.users}:signOutUnverified`, {});
    if (!res.ok) return message.error(describeError(t, res.error));
    message.success(t('Signed out {{sessions}} sessions of {{users}} users.', { sessions: res.data?.sessions ?? 0, users: res.data?.users ?? 0 }));
  };

  const columns = [
    {
      title: t('User'),
      key: 'user',
      render: (_: unknown, row: any) => (
        <Space direction="vertical" size={0}>
          <Typography.Text strong>{row.nickname || row.username || `#${row.id}`}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {[row.username, row.email].filter(Boolean).join(' · ')}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: t('Status'),
      key: 'status',
      render: (_: unknown, row: any) => (
        <Space size={4} wrap>
          {row.verifiers.length ? <Tag color="success">{t('On')}</Tag> : row.required ? <Tag color="warning">{t('Not set up')}</Tag> : <Tag>{t('Not required')}</Tag>}
          {isLocked(row) && (
            <Tag color="error" data-testid={`users-locked-${row.id}`}>
              {t('Locked until {{time}}', { time: formatTime(row.lockedUntil) })}
            </Tag>
          )}
        </Space>
      ),
    },
    {
      title: t('Required because'),
      key: 'why',
      render: (_: unknown, row: any) => (row.required ? shownReasons(row.requiredBecause).map((r: string) => <Tag key={r}>{reasonLabel(t, r, 'admin')}</Tag>) : '—'),
    },
    {
      title: t('Methods'),
      key: 'verifiers',
      render: (_: unknown, row: any) => (row.verifiers.length ? row.verifiers.map((v: string) => <Tag key={v}>{titles.get(v) || v}</Tag>) : '—'),
    },
    { title: t('Backup codes left'), dataIndex: 'backupCodesRemaining', key: 'codes', align: 'right' as const },
    { title: t('Trusted devices'), dataIndex: 'trustedDevices', key: 'devices', align: 'right' as const },
    { title: t('Last verified'), dataIndex: 'lastVerifiedAt', key: 'last', render: (v: string | null) => formatTime(v) },
    {
      title: t('Actions'),
      key: 'actions',
      // Both links on one line, whatever the language.
      render: (_: unknown, row: any) => (
        <Space size="middle" style={{ whiteSpace: 'nowrap' }}>
          {isLocked(row) && (
            <Popconfirm
              title={t('Unlock {{name}}?', { name: nameOf(row) })}
              description={t('They can enter codes again at once; their count of wrong codes starts over.')}
              okText={t('Unlock')}
              cancelText={t('Cancel')}
              onConfirm={() => unlock(row)}
            >
              <a data-testid={`users-unlock-${row.id}`}>{t('Unlock')}</a>
            </Popconfirm>
          )}
          {row.enforced ? (
            <Popconfirm title={t('Stop requiring 2FA for {{name}}?', { name: nameOf(row) })} okText={t('Confirm')} cancelText={t('Cancel')} onConfirm={() => setEnforced(row, false)}>
              <a data-testid={`users-unenforce-${row.id}`}>{t('Stop enforcing')}</a>
            </Popconfirm>
          ) : (
            <Popconfirm title={t('Require 2FA for {{name}}?', { name: nameOf(row) })} okText={t('Confirm')} cancelText={t('Cancel')} onConfirm={() => setEnforced(row, true)}>
              <a data-testid={`users-enforce-${row.id}`}>{t('Enforce')}</a>
            </Popconfirm>
          )}
          <a
            data-testid={`users-reset-${row.id}`}
            style={row.verifiers.length || row.trustedDevices || row.backupCodesRemaining ? { color: '#ff4d4f' } : undefined}
            onClick={() => setResetting(row)}
          >
            {t('Reset')}
          </a>
        </Space>
      ),
    },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Input.Search
          allowClear
          placeholder={t('Search name, username or email')}
          style={{ width: 280 }}
          onSearch={(value: string) => {
            setQ(value);
            first();
          }}
          data-testid="users-search"
        />
        <TriSelect
          value={required}
          onChange={(v) => {
            setRequired(v);
            first();
          }}
          labels={[t('Required or not'), t('Required'), t('Not required')]}
        />
        <TriSelect
          value={bound}
          onChange={(v) => {
            setBound(v);
            first();
          }}
          labels={[t('Set up or not'), t('Set up'), t('Not set up')]}
        />
        <Button onClick={load}>{t('Refresh')}</Button>
        <Popconfirm
          title={t('Sign out users who have not verified?')}
          description={t('Ends the current sessions of users who must use 2FA but have never passed it. They sign in again with a second factor.')}
          okText={t('Sign out')}
          cancelText={t('Cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={signOutUnverified}
        >
          <Button danger data-testid="users-sign-out-unverified">
            {t('Sign out unverified sessions')}
          </Button>
        </Popconfirm>
      </Space>
      <Table rowKey="id" size="middle" loading={loading} columns={columns} dataSource={data.rows} data-testid="two-factor-users" pagination={pagination(data.count)} />
      <Modal
        open={!!resetting}
        title={t('Reset two-factor authentication?')}
        okText={t('Reset')}
        cancelText={t('Cancel')}
        okButtonProps={{ danger: true, 'data-testid': 'users-reset-confirm' }}
        onOk={reset}
        onCancel={() => setResetting(null)}
      >
        {resetting &&
          t('This removes the verification methods, backup codes and trusted devices of {{name}}. If 2FA is required for them, they set it up again at their next sign-in. They are notified.', {
            name: nameOf(resetting),
          })}
      </Modal>
    </Space>
  );
}
