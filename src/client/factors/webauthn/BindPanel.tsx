/**
 * Adding a security key or passkey: a name for it, then the browser's prompt. On /2fa the button
 * asks the server for the options (bindStart) first; in the personal center the proof already
 * did, so the first press uses those and a retry asks again.
 */
import React, { useRef, useState } from 'react';
import { Alert, Button, Input, Space, Typography } from 'antd';
import { WEBAUTHN_LIMITS } from '../../../shared/limits';
import { useT } from '../../shared/i18n';
import type { BindPanelProps } from '../types';
import { register, unavailableReason } from './ceremony';

export function BindPanel(props: BindPanelProps) {
  const t = useT();
  const [name, setName] = useState(t('Security key'));
  const [prompting, setPrompting] = useState(false);
  // Options from the proof step are used once; a retry needs a new ceremony.
  const unusedOptions = useRef(props.step === 'confirm' ? props.started?.options : null);
  const unavailable = unavailableReason(t);

  const add = async () => {
    const label = name.trim();
    if (!label) return props.setError(t('Please enter a name for the key.'));
    props.setError(null);
    setPrompting(true);
    let options = unusedOptions.current;
    unusedOptions.current = null;
    if (!options) {
      const started = await props.start();
      if (!started.ok) {
        setPrompting(false);
        // The sign-in page and the dialog say what went wrong themselves.
        return;
      }
      options = started.data?.options;
      if (!options) return setPrompting(false);
    }
    const ceremony = await register(t, options);
    setPrompting(false);
    if (!ceremony.ok) return props.setError(ceremony.message);
    props.confirm({ credential: ceremony.response, name: label });
  };

  if (unavailable) return <Alert type="warning" showIcon message={unavailable} data-testid="two-factor-webauthn-unavailable" />;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Text type="secondary">
        {t('Use a security key (USB, NFC or Bluetooth) or a passkey on this device (fingerprint, face or device PIN). Give it a name to recognise it later.')}
      </Typography.Text>
      <Input
        value={name}
        maxLength={WEBAUTHN_LIMITS.keyName.max}
        addonBefore={t('Name')}
        disabled={prompting || props.busy}
        onChange={(e: any) => setName(e.target.value)}
        onPressEnter={add}
        data-testid="two-factor-webauthn-name"
      />
      <Button type="primary" block size="large" loading={prompting || props.busy} onClick={add} data-testid="two-factor-webauthn-add">
        {t('Add security key')}
      </Button>
    </Space>
  );
}
