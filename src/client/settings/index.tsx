/**
 * Settings → Authentication → Two-factor authentication (`auth.two-factor`): the policy form of
 * design §3, every user's 2FA state with Reset and Enforce, and the audit log.
 */
import React, { useEffect, useState } from 'react';
import { Alert, Card, Tabs } from 'antd';
import { RESOURCES } from '../../constants';
import { describeError, useCall } from '../shared/api';
import { useT } from '../shared/i18n';
import { AuditLogTab } from './AuditLogTab';
import { PolicyTab } from './PolicyTab';
import type { SettingsView } from './types';
import { UsersTab } from './UsersTab';

export function TwoFactorSettingsPage() {
  const t = useT();
  const call = useCall();
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<SettingsView>(`${RESOURCES.settings}:get`).then((res) => (res.ok ? setSettings(res.data) : setError(describeError(t, res.error))));
  }, [call, t]);
  if (error) return <Alert type="error" showIcon message={error} />;
  return (
    <Card bordered={false} loading={!settings}>
      {settings && (
        <Tabs
          items={[
            { key: 'policy', label: t('Policy'), children: <PolicyTab settings={settings} onSaved={(s) => setSettings({ ...settings, ...s, choices: settings.choices })} /> },
            { key: 'users', label: t('Users'), children: <UsersTab settings={settings} /> },
            { key: 'events', label: t('Audit log'), children: <AuditLogTab settings={settings} /> },
          ]}
          destroyInactiveTabPane
        />
      )}
    </Card>
  );
}

export default TwoFactorSettingsPage;
