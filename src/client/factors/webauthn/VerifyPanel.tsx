/**
 * Signing in with a security key or passkey: the browser's prompt opens as soon as the panel
 * shows (the server's options first, from verifyStart), and again with "Try again". Other tabs
 * stay the way to another method.
 */
import React, { useEffect, useRef, useState } from 'react';
import { Alert, Button, Space, Typography } from 'antd';
import { describeError } from '../../shared/api';
import { useT } from '../../shared/i18n';
import type { VerifyPanelProps } from '../types';
import { authenticate, cancelPrompt, unavailableReason } from './ceremony';

export function VerifyPanel(props: VerifyPanelProps) {
  const t = useT();
  const [prompting, setPrompting] = useState(false);
  const [tried, setTried] = useState(false);
  const alive = useRef(true);
  // "Try again" while a prompt is open replaces it: only the latest attempt's outcome counts.
  const attempt = useRef(0);
  const unavailable = unavailableReason(t);

  const useKey = async () => {
    const mine = ++attempt.current;
    const current = () => alive.current && attempt.current === mine;
    setTried(true);
    setPrompting(true);
    props.setError(null);
    const started = await props.start();
    if (!current()) return;
    if (!started.ok) {
      setPrompting(false);
      return props.setError(describeError(t, started.error));
    }
    const ceremony = await authenticate(t, started.data?.options);
    if (!current()) return;
    setPrompting(false);
    if (!ceremony.ok) return props.setError(ceremony.message);
    props.submit({ credential: ceremony.response });
  };

  useEffect(() => {
    alive.current = true;
    // Locked out: nothing may be sent until the lock ends.
    if (!unavailable && !props.disabled) useKey();
    return () => {
      alive.current = false;
      cancelPrompt();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (unavailable) {
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Alert type="warning" showIcon message={unavailable} data-testid="two-factor-webauthn-unavailable" />
        <Typography.Text type="secondary">{t('Try another way: choose another method or a backup code above.')}</Typography.Text>
      </Space>
    );
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text strong>{t('Use your security key')}</Typography.Text>
      <Typography.Text type="secondary">
        {prompting ? t('Follow your browser’s prompt: touch your security key, or confirm with your fingerprint, face or device PIN.') : t('Press the button, then follow your browser’s prompt.')}
      </Typography.Text>
      <Button
        type="primary"
        block
        size="large"
        loading={props.busy}
        disabled={props.disabled}
        onClick={useKey}
        data-testid="two-factor-webauthn-use"
      >
        {tried ? t('Try again') : t('Use security key')}
      </Button>
    </Space>
  );
}
