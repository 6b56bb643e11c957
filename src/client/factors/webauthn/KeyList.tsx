/**
 * A user's security keys in the personal center: name, when added and last used, rename in place,
 * remove (with fresh proof, through the dialog the screen opens), and "Add another key".
 */
import React, { useState } from 'react';
import { Button, Input, message, Space, Typography } from 'antd';
import { RESOURCES } from '../../../constants';
import { WEBAUTHN_LIMITS } from '../../../shared/limits';
import { CredentialView, describeError, useCall } from '../../shared/api';
import { formatTime } from '../../shared/format';
import { useT } from '../../shared/i18n';
import type { CredentialsProps } from '../types';

export function KeyList(props: CredentialsProps) {
  const t = useT();
  const call = useCall();
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState('');
  const [saving, setSaving] = useState(false);
  const keys = props.verifier.credentials || [];

  const save = async (key: CredentialView) => {
    const name = draft.trim();
    if (!name) return message.error(t('Please enter a name for the key.'));
    if (name === key.name) return setEditing(null);
    setSaving(true);
    const res = await call(`${RESOURCES.me}:renameCredential`, { id: key.id, name });
    setSaving(false);
    if (!res.ok) return message.error(describeError(t, res.error));
    setEditing(null);
    props.onChange();
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="two-factor-webauthn-keys">
      {keys.map((key) => (
        <div key={key.id} data-testid="two-factor-webauthn-key" style={{ display: 'flex', gap: 12, alignItems: 'center', justifyContent: 'space-between' }}>
          {editing === key.id ? (
            <Space.Compact style={{ flex: 1 }}>
              <Input
                size="small"
                autoFocus
                value={draft}
                maxLength={WEBAUTHN_LIMITS.keyName.max}
                onChange={(e: any) => setDraft(e.target.value)}
                onPressEnter={() => save(key)}
                data-testid="two-factor-webauthn-rename-input"
              />
              <Button size="small" type="primary" loading={saving} onClick={() => save(key)} data-testid="two-factor-webauthn-rename-save">
                {t('Save')}
              </Button>
              <Button size="small" onClick={() => setEditing(null)}>
                {t('Cancel')}
              </Button>
            </Space.Compact>
          ) : (
            <div style={{ minWidth: 0 }}>
              <Typography.Text strong data-testid="two-factor-webauthn-key-name">
                {key.name}
              </Typography.Text>
              <br />
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {key.lastUsedAt
                  ? t('Added {{added}} · last used {{used}}', { added: formatTime(key.createdAt), used: formatTime(key.lastUsedAt) })
                  : t('Added {{added}} · never used', { added: formatTime(key.createdAt) })}
              </Typography.Text>
            </div>
          )}
          {editing !== key.id && (
            <Space size="middle" style={{ flex: 'none' }}>
              <a
                onClick={() => {
                  setDraft(key.name);
                  setEditing(key.id);
                }}
                data-testid="two-factor-webauthn-rename"
              >
                {t('Rename')}
              </a>
              <a onClick={() => props.onRemove(key)} data-testid="two-factor-webauthn-remove">
                {t('Remove')}
              </a>
            </Space>
          )}
        </div>
      ))}
      <Button size="small" onClick={props.onAdd} data-testid="two-factor-webauthn-add-another">
        {t('Add another key')}
      </Button>
    </Space>
  );
}
