/** The audit log: every 2FA event, filtered by type, user and dates. */
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { Button, DatePicker, message, Select, Space, Table, Tag, Tooltip } from 'antd';
import { useApp } from '../shared/host';
import { RESOURCES } from '../../constants';
import { describeError, useCall } from '../shared/api';
import { describeAgent, EVENT_COLORS, EVENT_LABELS, formatTime, titleOf } from '../shared/format';
import { useT } from '../shared/i18n';
import type { SettingsView } from './types';
import { eventSentence } from './event-details';
import { usePaging } from './use-paging';

/** How the server names backup codes where a verifier name is expected. */
const BACKUP_CODE = 'backup-code';


export function AuditLogTab(props: { settings: SettingsView }) {
  const app = useApp();
  const t = useT();
  const call = useCall();
  const titles = useMemo(() => new Map(props.settings.choices.verifiers.map((v) => [v.name, titleOf(app, t, v.title)])), [props.settings, app, t]);
  const [type, setType] = useState<string | undefined>();
  const [userId, setUserId] = useState<number | undefined>();
  const [range, setRange] = useState<any>(null);
  const [userOptions, setUserOptions] = useState<{ value: number; label: string }[]>([]);
  const { page, first, pagination } = usePaging(t);
  const [data, setData] = useState<{ rows: any[]; count: number }>({ rows: [], count: 0 });
  const [loading, setLoading] = useState(false);

  const searchUsers = async (q: string) => {
    const res = await call<any[]>(`${RESOURCES.users}:list`, undefined, { pageSize: 20, filter: JSON.stringify(q ? { q } : {}) });
    if (res.ok) setUserOptions(res.data.map((u) => ({ value: u.id, label: `${u.nickname || u.username} (${u.username || u.email})` })));
  };
  useEffect(() => {
    searchUsers('');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const load = useCallback(async () => {
    setLoading(true);
    const filter: Record<string, unknown> = {};
    if (type) filter.type = type;
    if (userId) filter.userId = userId;
    if (range?.[0] && range?.[1]) {
      filter.createdAt = { $gte: range[0].startOf('day').toISOString(), $lte: range[1].endOf('day').toISOString() };
    }
    const res = await call<any[]>(`${RESOURCES.events}:list`, undefined, {
      page: page.current,
      pageSize: page.pageSize,
      sort: ['-id'],
      appends: ['user'],
      filter: JSON.stringify(filter),
    });
    setLoading(false);
    if (res.ok) setData({ rows: res.data || [], count: res.meta?.count ?? 0 });
    else message.error(describeError(t, res.error));
  }, [type, userId, range, page, call, t]);
  useEffect(() => {
    load();
  }, [load]);

  const columns = [
    { title: t('Time'), dataIndex: 'createdAt', key: 'time', width: 150, render: (v: string) => formatTime(v) },
    {
      title: t('User'),
      key: 'user',
      render: (_: unknown, row: any) => (row.user ? row.user.nickname || row.user.username || row.user.email : row.userId ? `#${row.userId}` : '—'),
    },
    {
      title: t('Event'),
      dataIndex: 'type',
      key: 'type',
      // Long labels wrap inside the tag rather than running into the next column.
      render: (v: string) => (
        <Tag color={EVENT_COLORS[v] || 'default'} style={{ whiteSpace: 'normal', marginInlineEnd: 0 }}>
          {EVENT_LABELS[v] ? t(EVENT_LABELS[v]) : v}
        </Tag>
      ),
    },
    {
      title: t('Method'),
      dataIndex: 'verifier',
      key: 'verifier',
      // A wrong proof in the personal center may be the account password.
      render: (v: string | null) => (v ? titles.get(v) || (v === BACKUP_CODE ? t('Backup code') : v === 'password' ? t('Password') : v) : '—'),
    },
    { title: t('IP address'), dataIndex: 'ip', key: 'ip', render: (v: string | null) => v || '—' },
    {
      title: t('Browser'),
      dataIndex: 'userAgent',
      key: 'ua',
      ellipsis: { showTitle: false },
      render: (v: string | null) =>
        v ? (
          <Tooltip title={v} placement="topLeft">
            {describeAgent(v)}
          </Tooltip>
        ) : (
          '—'
        ),
    },
    { title: t('Details'), key: 'detail', width: '32%', render: (_: unknown, row: any) => <span data-testid="event-detail">{eventSentence(t, row) || '—'}</span> },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap>
        <Select
          allowClear
          placeholder={t('All events')}
          style={{ width: 220 }}
          value={type}
          data-testid="events-type"
          onChange={(v: string | undefined) => {
            setType(v);
            first();
          }}
          options={Object.entries(EVENT_LABELS).map(([value, label]) => ({ value, label: t(label) }))}
        />
        <Select
          allowClear
          showSearch
          filterOption={false}
          placeholder={t('All users')}
          style={{ width: 260 }}
          value={userId}
          onSearch={searchUsers}
          onChange={(v: number | undefined) => {
            setUserId(v);
            first();
          }}
          options={userOptions}
        />
        <DatePicker.RangePicker
          value={range}
          onChange={(v: any) => {
            setRange(v);
            first();
          }}
        />
        <Button onClick={load}>{t('Refresh')}</Button>
      </Space>
      <Table rowKey="id" size="middle" loading={loading} columns={columns} dataSource={data.rows} data-testid="two-factor-events" pagination={pagination(data.count)} />
    </Space>
  );
}
