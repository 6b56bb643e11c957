/** Small pieces every screen uses: the code field and the send/resend button. */
import React, { useEffect, useRef, useState } from 'react';
import { Button, Input, Space, Typography } from 'antd';
import { describeError, Result } from './api';
import { useT } from './i18n';

/**
 * A code field that takes focus and submits by itself on the last digit (codes of known length)
 * or on Enter. With `submitLabel` it also shows a submit button, and a line saying how it submits.
 */
export function CodeInput(props: {
  length?: number | null;
  disabled?: boolean;
  onSubmit: (code: string) => void;
  placeholder?: string;
  autoFocus?: boolean;
  testId?: string;
  /** The submit button's label; no button without it. */
  submitLabel?: string;
  /** The request is on its way (the button shows it). */
  busy?: boolean;
}) {
  const t = useT();
  const [value, setValue] = useState('');
  const submitted = useRef('');
  const submit = (code: string) => {
    if (!code || submitted.current === code) return;
    submitted.current = code;
    props.onSubmit(code);
  };
  const input = (
    <Input
      size="large"
      autoFocus={props.autoFocus !== false}
      autoComplete="one-time-code"
      inputMode={props.length ? 'numeric' : undefined}
      maxLength={props.length || 64}
      disabled={props.disabled}
      value={value}
      placeholder={props.placeholder || t('Enter the code')}
      data-testid={props.testId || 'two-factor-code'}
      onChange={(e: any) => {
        const next = String(e.target.value).replace(props.length ? /[^\d]/g : /\s/g, '');
        setValue(next);
        submitted.current = '';
        if (props.length && next.length === props.length) submit(next);
      }}
      onPressEnter={() => submit(value)}
    />
  );
  if (!props.submitLabel) return input;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {input}
      <Button
        type="primary"
        size="large"
        block
        loading={props.busy}
        disabled={props.disabled && !props.busy}
        data-testid={`${props.testId || 'two-factor-code'}-submit`}
        onClick={() => {
          // The button always sends: a code refused once may be sent again on purpose.
          submitted.current = '';
          if (value) submit(value);
        }}
      >
        {props.submitLabel}
      </Button>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {props.length ? t('The code is sent as soon as you type its last digit.') : t('Press Enter or click {{label}}.', { label: props.submitLabel })}
      </Typography.Text>
    </Space>
  );
}

/** "Send code", then "Resend in N s" until the server allows another one. */
export function SendCodeButton(props: {
  onSend: () => Promise<Result<any>>;
  setError: (e: string | null) => void;
  block?: boolean;
  /** Seconds to wait when a code was just sent before this button appeared. */
  initialWait?: number;
}) {
  const t = useT();
  const [wait, setWait] = useState(props.initialWait ?? 0);
  const [sent, setSent] = useState(!!props.initialWait);
  useEffect(() => {
    if (wait <= 0) return;
    const id = setTimeout(() => setWait((w) => w - 1), 1000);
    return () => clearTimeout(id);
  }, [wait]);
  return (
    <Button
      disabled={wait > 0}
      block={props.block}
      data-testid="two-factor-send"
      onClick={async () => {
        const res = await props.onSend();
        if (res.ok) {
          props.setError(null);
          setSent(true);
          const next = res.data?.resendAfter ? Math.ceil((new Date(res.data.resendAfter).getTime() - Date.now()) / 1000) : 60;
          setWait(Math.max(next, 1));
        } else {
          props.setError(describeError(t, res.error));
          if (res.error.retryAfter) setWait(res.error.retryAfter);
        }
      }}
    >
      {wait > 0 ? t('Resend in {{seconds}} s', { seconds: wait }) : sent ? t('Resend code') : t('Send code')}
    </Button>
  );
}
