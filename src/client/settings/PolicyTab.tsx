/** The policy form (design §3); number ranges come from src/shared/limits.ts, as the server's do. */
import React, { useMemo, useState } from 'react';
import { Alert, Button, Form, InputNumber, message, Modal, Select, Space, Switch, Typography } from 'antd';
import { useApp } from '../shared/host';
import { ERROR_CODES, RESOURCES } from '../../constants';
import { SETTINGS_RANGES } from '../../shared/limits';
import { SETTINGS_FIELDS } from '../../shared/settings';
import { describeError, useCall } from '../shared/api';
import { publicPath, titleOf } from '../shared/format';
import { useT } from '../shared/i18n';
import type { SettingsView } from './types';

type RangedField = keyof typeof SETTINGS_RANGES;

export function PolicyTab(props: { settings: SettingsView; onSaved: (s: SettingsView) => void }) {
  const { settings } = props;
  const app = useApp();
  const t = useT();
  const call = useCall();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const [orphans, setOrphans] = useState<{ users: number; values: Record<string, unknown> } | null>(null);
  const allowDevices = Form.useWatch('allowTrustedDevices', form);
  const enforceAll = Form.useWatch('enforceForAll', form);
  const initial = useMemo(() => Object.fromEntries(SETTINGS_FIELDS.map((f) => [f, settings[f]])), [settings]);

  const save = async (values: Record<string, unknown>, confirm = false) => {
    setSaving(true);
    const res = await call<SettingsView>(`${RESOURCES.settings}:update`, { ...values, ...(confirm ? { confirm: true } : {}) });
    setSaving(false);
    if (res.ok) {
      setOrphans(null);
      message.success(t('Saved'));
      props.onSaved(res.data);
      return;
    }
    if (res.error.code === ERROR_CODES.ORPHANS_USERS) return setOrphans({ users: res.error.users ?? 0, values });
    if (res.error.field && (SETTINGS_FIELDS as readonly string[]).includes(res.error.field)) {
      form.setFields([{ name: res.error.field, errors: [describeError(t, res.error)] }]);
    }
    message.error(describeError(t, res.error));
  };

  const numberRules = (field: RangedField) => {
    const { min, max } = SETTINGS_RANGES[field];
    return [
      { required: true, message: t('Please enter a number.') },
      { type: 'integer' as const, min, max, message: t('Enter a whole number from {{min}} to {{max}}.', { min, max }) },
    ];
  };
  const number = (field: RangedField, label: string, extra: string, unit: string, disabled = false) => (
    <Form.Item name={field} label={label} extra={extra} rules={numberRules(field)}>
      <InputNumber precision={0} addonAfter={unit} style={{ width: 220 }} disabled={disabled} data-testid={`policy-${field}`} />
    </Form.Item>
  );

  return (
    <Form form={form} layout="vertical" initialValues={initial} onFinish={(values: any) => save(values)} style={{ maxWidth: 720 }} data-testid="two-factor-policy">
      {serverWarnings(settings, t).map(({ key, ...alert }) => (
        <Alert key={key} showIcon style={{ marginBottom: 24 }} data-testid={`policy-${key}`} {...alert} />
      ))}
      {settings.keySource && (
        <Typography.Paragraph type="secondary" data-testid="policy-key-source">
          {settings.keySource === 'key file'
            ? t('Two-factor secrets are encrypted with the key file storage/apps/<app>/two-factor.key. Back it up with the database; every instance must share the storage folder.')
            : t('Two-factor secrets are encrypted with a key derived from {{name}}.', { name: settings.keySource })}
        </Typography.Paragraph>
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
            {t('Empty means every eligible verifier is offered.')} <a href={`${publicPath(app)}admin/settings/verification`}>{t('Manage verifiers')}</a>
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
      {number('dailyFailureLimit', t('Wrong codes per day'), t('Counted per user over 24 hours, also below the lockout; reaching it locks the user for 24 hours.'), t('attempts'))}

      <Typography.Title level={5} style={{ marginTop: 8 }}>
        {t('Email and SMS codes')}
      </Typography.Title>
      {number('messageSendsPerReceiverPerHour', t('Codes per address or phone number'), t('Per hour, whoever asks.'), t('codes'))}
      {number('messageSendsPerIpPerHour', t('Codes per IP address'), t('Per hour. Raise it when many users sign in through one proxy.'), t('codes'))}
      {number('messageSendsPerHour', t('Codes in all'), t('Per hour, for the whole app: caps what abuse can cost.'), t('codes'))}
      {number('messageReceiversPerUserPerDay', t('Addresses a user may try'), t('Different addresses or phone numbers one user may send codes to while setting up, per day.'), t('per day'))}

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

/** What the server says is wrong with how it runs: shown above the policy, most serious first. */
function serverWarnings(settings: SettingsView, t: (text: string, options?: Record<string, unknown>) => string) {
  const warnings: { key: string; type: 'error' | 'warning'; message: string; description: string }[] = [];
  if (settings.nothingOffered) {
    warnings.push({
      key: 'nothing-offered',
      type: 'error',
      message: t('No verification method is offered'),
      description: t('None of the offered verifiers exists or is of an available type. Users who must use 2FA cannot sign in until you offer one under Offered verifiers.'),
    });
  }
  if (settings.clusterWithoutSharedCache) {
    warnings.push({
      key: 'cluster-cache',
      type: 'error',
      message: t('Cluster mode without a shared cache'),
      description: t(
        'CLUSTER_MODE is set but the cache store is per process. Wrong-code counters, lockouts and message-send limits are counted per instance, so each instance grants the whole budget. Set CACHE_DEFAULT_STORE=redis on every instance.',
      ),
    });
  }
  if (settings.enforcementDisabledByEnv) {
    warnings.push({
      key: 'enforcement-off',
      type: 'warning',
      message: t('Enforcement is switched off on this server'),
      description: t('The server was started with TWO_FACTOR_ENFORCEMENT=off: nobody is asked for a second factor. Remove it and restart once access is restored.'),
    });
  }
  if (settings.weakKey) {
    warnings.push({
      key: 'weak-key',
      type: 'warning',
      message: t('{{name}} is not a safe encryption key', { name: settings.weakKey }),
      description: t(
        'It is a published placeholder or shorter than 32 bytes, so it no longer seals two-factor secrets: the key named below does, and the secrets sealed before were moved to it at start. Backup codes made before keep working until users make new ones.',
      ),
    });
  }
  return warnings;
}
