/** Small pieces every screen uses: the code field and the send/resend button. */
import React, { useEffect, useRef, useState } from 'react';
import { Button, Input } from 'antd';
import { describeError, Result } from './api';
import { useT } from './i18n';

/** A code field that takes focus and submits by itself on the last digit. */
export function CodeInput(props: {
  length?: number | null;
  disabled?: boolean;
  onSubmit: (code: string) => void;
  placeholder?: string;
  autoFocus?: boolean;
  testId?: string;
}) {
  const t = useT();
  const [value, setValue] = useState('');
  const submitted = useRef('');
  const submit = (code: string) => {
    if (!code || submitted.current === code) return;
    submitted.current = code;
    props.onSubmit(code);
  };
  return (
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
