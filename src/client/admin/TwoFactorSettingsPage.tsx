/**
 * Settings → Authentication → Two-factor authentication (`auth.two-factor`): the policy form of
 * design §3, every user's 2FA state with Reset and Enforce, and the audit log.
 */
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Alert,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  InputNumber,
  message,
  Modal,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  Tabs,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import type { Settings } from '../../server/settings';
import { apiCaller, describeAgent, describeError, formatTime, T, translator, usePaging } from '../shared';

interface Choice {
  name: string;
  title: string;
  verificationType?: string;
}

interface SettingsView extends Settings {
  enforcementDisabledByEnv: boolean;
  choices: { verifiers: Choice[]; roles: Choice[] };
}

const FIELDS = [
  'enforceForAll',
  'enforcedRoles',
  'verifiers',
  'gracePeriodDays',
  'allowTrustedDevices',
  'trustedDeviceDays',
  'challengeTTL',
  'maxAttemptsPerChallenge',
  'lockoutThreshold',
  'lockoutMinutes',
] as const;

const RANGES: Record<string, [number, number]> = {
  gracePeriodDays: [0, 90],
  trustedDeviceDays: [1, 365],
  challengeTTL: [30, 3600],
  maxAttemptsPerChallenge: [1, 20],
  lockoutThreshold: [3, 100],
  lockoutMinutes: [1, 1440],
};

export const EVENT_LABELS: Record<string, string> = {
  challenge: 'Sign-in challenge',
  verified: 'Verified',
  failed: 'Wrong code',
  locked: 'Locked out',
  bound: 'Method added',
  unbound: 'Method removed',
  skipped: 'Setup postponed',
  backup_code_used: 'Backup code used',
  backup_codes_regenerated: 'New backup codes',
  device_trusted: 'Device trusted',
  device_revoked: 'Device revoked',
  new_device_sign_in: 'New device sign-in',
  admin_reset: 'Reset by an administrator',
  settings_changed: 'Settings changed',
};

const EVENT_COLORS: Record<string, string> = {
  verified: 'success',
  failed: 'error',
  locked: 'error',
  admin_reset: 'warning',
  bound: 'processing',
  unbound: 'warning',
  backup_code_used: 'warning',
  new_device_sign_in: 'purple',
  settings_changed: 'default',
};

/** `{{t("Admin")}}`-style titles of roles and verifiers, or plain text typed by an admin. */
export function titleOf(app: any, t: T, title?: string | null) {
  if (!title) return '';
  const m = /^\{\{\s*t\(\s*["']([^"']+)["']\s*(?:,\s*\{\s*ns:\s*["']([^"']+)["']\s*\})?\s*\)\s*\}\}$/.exec(title);
  if (m) return app.i18n.t(m[1], { ns: m[2] ? [m[2], 'client'] : ['client'] });
  return t(title);
}

export function createTwoFactorSettingsPage(app: any) {
  const t = translator(app);
  const call = apiCaller(app);

  function reasonTags(reasons: string[]) {
    return reasons.map((r) => {
      if (r === 'all') return <Tag key={r}>{t('All users')}</Tag>;
      if (r === 'user') return <Tag key={r}>{t('Set for this user')}</Tag>;
      if (r === 'opt-in') return <Tag key={r}>{t('Opted in')}</Tag>;
      const role = r.replace(/^role:/, '');
      return <Tag key={r}>{t('Role: {{role}}', { role })}</Tag>;
    });
  }

  function Policy(props: { settings: SettingsView; onSaved: (s: SettingsView) => void }) {
    const { settings } = props;
    const [form] = Form.useForm();
    const [saving, setSaving] = useState(false);
    const [orphans, setOrphans] = useState<{ users: number; values: Record<string, unknown> } | null>(null);
    const allowDevices = Form.useWatch('allowTrustedDevices', form);
    const enforceAll = Form.useWatch('enforceForAll', form);
    const initial = useMemo(() => Object.fromEntries(FIELDS.map((f) => [f, settings[f]])), [settings]);

    const save = async (values: Record<string, unknown>, confirm = false) => {
      setSaving(true);
      const res = await call<SettingsView>('twoFactorSettings:update', { ...values, ...(confirm ? { confirm: true } : {}) });
      setSaving(false);
      if (res.ok) {
        setOrphans(null);
        message.success(t('Saved'));
        props.onSaved(res.data);
        return;
      }
      if (res.error.code === 'TWO_FACTOR_ORPHANS_USERS') return setOrphans({ users: res.error.users ?? 0, values });
      if (res.error.field && FIELDS.includes(res.error.field as any)) {
        form.setFields([{ name: res.error.field, errors: [describeError(t, res.error)] }]);
      }
      message.error(describeError(t, res.error));
    };

    const numberRules = (field: string) => {
      const [min, max] = RANGES[field];
      return [
        { required: true, message: t('Please enter a number.') },
        { type: 'integer' as const, min, max, message: t('Enter a whole number from {{min}} to {{max}}.', { min, max }) },
      ];
    };
    const number = (field: string, label: string, extra: string, unit: string, disabled = false) => (
      <Form.Item name={field} label={label} extra={extra} rules={numberRules(field)}>
        <InputNumber precision={0} addonAfter={unit} style={{ width: 220 }} disabled={disabled} data-testid={`policy-${field}`} />
      </Form.Item>
    );

    return (
      <Form form={form} layout="vertical" initialValues={initial} onFinish={(values: any) => save(values)} style={{ maxWidth: 720 }} data-testid="two-factor-policy">
        {settings.enforcementDisabledByEnv && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 24 }}
            message={t('Enforcement is switched off on this server')}
            description={t('The server was started with TWO_FACTOR_ENFORCEMENT=off: nobody is asked for a second factor. Remove it and restart once access is restored.')}
          />
        )}
        <Typography.Title level={5}>{t('Who must use two-factor authentication')}</Typography.Title>
        <Form.Item
          name="enforceForAll"
          valuePropName="checked"
          label={t('Enforce 2FA for all users')}
          extra={t('Everyone who signs in with a password must verify a second factor.')}
        >
          <Switch data-testid="policy-enforceForAll" />
        </Form.Item>
        <Form.Item
          name="enforcedRoles"
          label={t('Enforce for roles')}
          extra={enforceAll ? t('Not needed while 2FA is enforced for all users.') : t('Members of these roles must use two-factor authentication. Single users can be chosen in the Users tab.')}
        >
          <Select
            mode="multiple"
            allowClear
            disabled={!!enforceAll}
            placeholder={t('No roles')}
            data-testid="policy-enforcedRoles"
            optionFilterProp="label"
            options={settings.choices.roles.map((r) => ({ value: r.name, label: `${titleOf(app, t, r.title)} (${r.name})` }))}
          />
        </Form.Item>

        <Typography.Title level={5} style={{ marginTop: 8 }}>
          {t('Verification methods')}
        </Typography.Title>
        <Form.Item
          name="verifiers"
          label={t('Offered verifiers')}
          extra={
            <>
              {t('Empty means every eligible verifier is offered.')}{' '}
              <a href={`${String(app.getPublicPath?.() || '/').replace(/\/?$/, '/')}admin/settings/verification`}>{t('Manage verifiers')}</a>
            </>
          }
        >
          <Select
            mode="multiple"
            allowClear
            placeholder={t('Every eligible verifier')}
            data-testid="policy-verifiers"
            optionFilterProp="label"
            options={settings.choices.verifiers.map((v) => ({ value: v.name, label: titleOf(app, t, v.title) || v.name }))}
          />
        </Form.Item>
        {number('gracePeriodDays', t('Grace period'), t('Days a newly required user may postpone setting up ("Remind me later"). 0 means setup is required at once.'), t('days'))}

        <Typography.Title level={5} style={{ marginTop: 8 }}>
          {t('Trusted devices')}
        </Typography.Title>
        <Form.Item name="allowTrustedDevices" valuePropName="checked" label={t('Allow "Trust this device"')} extra={t('While off, devices trusted before are ignored.')}>
          <Switch data-testid="policy-allowTrustedDevices" />
        </Form.Item>
        {number('trustedDeviceDays', t('Trust lasts'), t('After this, the device asks for a second factor again.'), t('days'), allowDevices === false)}

        <Typography.Title level={5} style={{ marginTop: 8 }}>
          {t('Sign-in challenge and lockout')}
        </Typography.Title>
        {number('challengeTTL', t('Time to complete the second step'), t('From 30 seconds to one hour.'), t('seconds'))}
        {number('maxAttemptsPerChallenge', t('Wrong codes per sign-in'), t('After these, the user signs in with the password again.'), t('attempts'))}
        {number('lockoutThreshold', t('Wrong codes before lockout'), t('Counted per user across sign-ins, within the lockout window.'), t('attempts'))}
        {number('lockoutMinutes', t('Lockout window and duration'), t('Each further lockout within 24 hours doubles it, up to 24 hours.'), t('minutes'))}

        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={saving} data-testid="policy-save">
              {t('Save')}
            </Button>
            <Button onClick={() => form.resetFields()}>{t('Reset')}</Button>
          </Space>
        </Form.Item>
        <Modal
          open={!!orphans}
          title={t('Some users would lose their verification method')}
          okText={t('Save anyway')}
          okButtonProps={{ danger: true, loading: saving }}
          onOk={() => orphans && save(orphans.values, true)}
          onCancel={() => setOrphans(null)}
        >
          {t('{{count}} users would be left without an offered verification method. They will set up a new one at their next sign-in.', {
            count: orphans?.users ?? 0,
          })}
        </Modal>
      </Form>
    );
  }

  function Users(props: { settings: SettingsView }) {
    const titles = useMemo(() => new Map(props.settings.choices.verifiers.map((v) => [v.name, titleOf(app, t, v.title)])), [props.settings]);
    const [q, setQ] = useState('');
    const [required, setRequired] = useState<string>('any');
    const [bound, setBound] = useState<string>('any');
    const { page, first, pagination } = usePaging(t);
    const [data, setData] = useState<{ rows: any[]; count: number }>({ rows: [], count: 0 });
    const [loading, setLoading] = useState(false);
    const [resetting, setResetting] = useState<any>(null);

    const load = useCallback(async () => {
      setLoading(true);
      const filter: Record<string, unknown> = {};
      if (q.trim()) filter.q = q.trim();
      if (required !== 'any') filter.required = required === 'yes';
      if (bound !== 'any') filter.bound = bound === 'yes';
      const res = await call<any[]>('twoFactorUsers:list', undefined, { page: page.current, pageSize: page.pageSize, filter: JSON.stringify(filter) });
      setLoading(false);
      if (res.ok) setData({ rows: res.data || [], count: res.meta?.count ?? 0 });
      else message.error(describeError(t, res.error));
    }, [q, required, bound, page]);
    useEffect(() => {
      load();
    }, [load]);

    const setEnforced = async (row: any, enforced: boolean) => {
      const res = await call('twoFactorUsers:setEnforced', { userId: row.id, enforced });
      if (!res.ok) return message.error(describeError(t, res.error));
      message.success(enforced ? t('2FA is now required for {{name}}.', { name: row.nickname || row.username }) : t('2FA is no longer enforced for {{name}} individually.', { name: row.nickname || row.username }));
      load();
    };
    const reset = async () => {
      const res = await call('twoFactorUsers:reset', { userId: resetting.id });
      if (!res.ok) return message.error(describeError(t, res.error));
      message.success(t('2FA of {{name}} was reset.', { name: resetting.nickname || resetting.username }));
      setResetting(null);
      load();
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
        render: (_: unknown, row: any) =>
          row.verifiers.length ? (
            <Tag color="success">{t('On')}</Tag>
          ) : row.required ? (
            <Tag color="warning">{t('Not set up')}</Tag>
          ) : (
            <Tag>{t('Not required')}</Tag>
          ),
      },
      { title: t('Required because'), key: 'why', render: (_: unknown, row: any) => (row.required ? reasonTags(row.requiredBecause) : '—') },
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
        render: (_: unknown, row: any) => (
          <Space size="middle">
            {row.enforced ? (
              <Popconfirm title={t('Stop requiring 2FA for {{name}}?', { name: row.nickname || row.username })} okText={t('Confirm')} cancelText={t('Cancel')} onConfirm={() => setEnforced(row, false)}>
                <a data-testid={`users-unenforce-${row.id}`}>{t('Stop enforcing')}</a>
              </Popconfirm>
            ) : (
              <Popconfirm title={t('Require 2FA for {{name}}?', { name: row.nickname || row.username })} okText={t('Confirm')} cancelText={t('Cancel')} onConfirm={() => setEnforced(row, true)}>
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
          <Select
            value={required}
            style={{ width: 180 }}
            onChange={(v: string) => {
              setRequired(v);
              first();
            }}
            options={[
              { value: 'any', label: t('Required or not') },
              { value: 'yes', label: t('Required') },
              { value: 'no', label: t('Not required') },
            ]}
          />
          <Select
            value={bound}
            style={{ width: 180 }}
            onChange={(v: string) => {
              setBound(v);
              first();
            }}
            options={[
              { value: 'any', label: t('Set up or not') },
              { value: 'yes', label: t('Set up') },
              { value: 'no', label: t('Not set up') },
            ]}
          />
          <Button onClick={load}>{t('Refresh')}</Button>
        </Space>
        <Table
          rowKey="id"
          size="middle"
          loading={loading}
          columns={columns}
          dataSource={data.rows}
          data-testid="two-factor-users"
          pagination={pagination(data.count)}
        />
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
            t("This removes the verification methods, backup codes and trusted devices of {{name}}. If 2FA is required for them, they set it up again at their next sign-in. They are notified.", {
              name: resetting.nickname || resetting.username,
            })}
        </Modal>
      </Space>
    );
  }

  function AuditLog(props: { settings: SettingsView }) {
    const titles = useMemo(() => new Map(props.settings.choices.verifiers.map((v) => [v.name, titleOf(app, t, v.title)])), [props.settings]);
    const [type, setType] = useState<string | undefined>();
    const [userId, setUserId] = useState<number | undefined>();
    const [range, setRange] = useState<any>(null);
    const [userOptions, setUserOptions] = useState<{ value: number; label: string }[]>([]);
    const { page, first, pagination } = usePaging(t);
    const [data, setData] = useState<{ rows: any[]; count: number }>({ rows: [], count: 0 });
    const [loading, setLoading] = useState(false);

    const searchUsers = async (q: string) => {
      const res = await call<any[]>('twoFactorUsers:list', undefined, { pageSize: 20, filter: JSON.stringify(q ? { q } : {}) });
      if (res.ok) setUserOptions(res.data.map((u) => ({ value: u.id, label: `${u.nickname || u.username} (${u.username || u.email})` })));
    };
    useEffect(() => {
      searchUsers('');
    }, []);

    const load = useCallback(async () => {
      setLoading(true);
      const filter: Record<string, unknown> = {};
      if (type) filter.type = type;
      if (userId) filter.userId = userId;
      if (range?.[0] && range?.[1]) {
        filter.createdAt = { $gte: range[0].startOf('day').toISOString(), $lte: range[1].endOf('day').toISOString() };
      }
      const res = await call<any[]>('twoFactorEvents:list', undefined, {
        page: page.current,
        pageSize: page.pageSize,
        sort: ['-id'],
        appends: ['user'],
        filter: JSON.stringify(filter),
      });
      setLoading(false);
      if (res.ok) setData({ rows: res.data || [], count: res.meta?.count ?? 0 });
      else message.error(describeError(t, res.error));
    }, [type, userId, range, page]);
    useEffect(() => {
      load();
    }, [load]);

    const detailText = (detail: Record<string, unknown> | null) =>
      Object.entries(detail || {})
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v ? JSON.stringify(v) : String(v)}`)
        .join(' · ');

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
        render: (v: string) => <Tag color={EVENT_COLORS[v] || 'default'}>{EVENT_LABELS[v] ? t(EVENT_LABELS[v]) : v}</Tag>,
      },
      { title: t('Method'), dataIndex: 'verifier', key: 'verifier', render: (v: string | null) => (v ? titles.get(v) || (v === 'backup-code' ? t('Backup code') : v) : '—') },
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
      { title: t('Details'), dataIndex: 'detail', key: 'detail', ellipsis: true, render: (v: any) => detailText(v) || '—' },
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
        <Table
          rowKey="id"
          size="middle"
          loading={loading}
          columns={columns}
          dataSource={data.rows}
          data-testid="two-factor-events"
          pagination={pagination(data.count)}
        />
      </Space>
    );
  }

  return function TwoFactorSettingsPage() {
    const [settings, setSettings] = useState<SettingsView | null>(null);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => {
      call<SettingsView>('twoFactorSettings:get').then((res) => (res.ok ? setSettings(res.data) : setError(describeError(t, res.error))));
    }, []);
    if (error) return <Alert type="error" showIcon message={error} />;
    return (
      <Card bordered={false} loading={!settings}>
        {settings && (
          <Tabs
            items={[
              { key: 'policy', label: t('Policy'), children: <Policy settings={settings} onSaved={(s) => setSettings({ ...s, choices: settings.choices })} /> },
              { key: 'users', label: t('Users'), children: <Users settings={settings} /> },
              { key: 'events', label: t('Audit log'), children: <AuditLog settings={settings} /> },
            ]}
            destroyInactiveTabPane
          />
        )}
      </Card>
    );
  };
}
