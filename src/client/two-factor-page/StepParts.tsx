/**
 * What both steps of /2fa show around the code box: the way back to the sign-in page, the end of
 * a challenge whose attempts are used up (no code box then: the server has let the challenge go),
 * and a lockout with the time until it ends (the code box stays, disabled).
 */
import React, { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Space, Typography } from 'antd';
import { ERROR_CODES } from '../../constants';
import { ApiError, attemptsUsedUp, describeError, waitText } from '../shared/api';
import { formatTime, joinSentences } from '../shared/format';
import { useT } from '../shared/i18n';
import { clearPending } from '../shared/pending';
import type { Exits } from './exits';

/** How a refusal leaves the step: still open (with a message), locked until a time, or over. */
export interface StepState {
  error: string | null;
  setError: (error: string | null) => void;
  lockedUntil: Date | null;
  /** The challenge's attempts are used up: why (the last refusal), else null. */
  ended: string | null;
  /** Takes a refusal of a code: a lock, the end of the challenge, or a message under the code box. */
  refuse: (error: ApiError) => void;
}

export function useStepState(initialLock: string | null): StepState {
  const t = useT();
  const [lockedUntil, setLockedUntil] = useState<Date | null>(() => (initialLock && new Date(initialLock).getTime() > Date.now() ? new Date(initialLock) : null));
  const [error, setError] = useState<string | null>(null);
  const [ended, setEnded] = useState<string | null>(null);
  // The lock ends by itself: the code box opens again.
  useEffect(() => {
    if (!lockedUntil) return;
    const id = setTimeout(() => setLockedUntil(null), Math.max(lockedUntil.getTime() - Date.now(), 0));
    return () => clearTimeout(id);
  }, [lockedUntil]);
  const refuse = useCallback(
    (e: ApiError) => {
      if (e.code === ERROR_CODES.LOCKED) {
        const until = typeof (e as any).lockedUntil === 'string' ? new Date((e as any).lockedUntil) : new Date(Date.now() + (e.retryAfter ?? 60) * 1000);
        setError(null);
        setLockedUntil(until);
      } else if (attemptsUsedUp(e)) {
        // The server has let the challenge go: so does the tab (no "expired" message later on).
        clearPending();
        setError(null);
        setEnded(e.code === ERROR_CODES.CODE_REUSED ? t('This backup code has already been used.') : t('The code is incorrect.'));
      } else setError(describeError(t, e));
    },
    [t],
  );
  return { error, setError, lockedUntil, ended, refuse };
}

/** "Back to sign in": the challenge is dropped, the sign-in page opens (another account, or the same again). */
export function BackToSignIn(props: { exits: Exits }) {
  const t = useT();
  return (
    <Space size={4} wrap style={{ justifyContent: 'center', width: '100%' }}>
      <Button type="link" onClick={() => props.exits.backToSignIn()} data-testid="two-factor-back" style={{ paddingLeft: 0 }}>
        ← {t('Back to sign in')}
      </Button>
      <Typography.Text type="secondary">{t('to use another account')}</Typography.Text>
    </Space>
  );
}

/** The challenge's attempts are used up: say so, and offer the password step again. */
export function AttemptsUsedUp(props: { reason: string; exits: Exits }) {
  const t = useT();
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="two-factor-used-up">
      <Alert
        type="error"
        showIcon
        message={t('All attempts for this sign-in are used up')}
        description={joinSentences(t, props.reason, t('For your security, sign in with your password again to get new attempts.'))}
      />
      <Button type="primary" size="large" block onClick={() => props.exits.backToSignIn()} data-testid="two-factor-sign-in-again">
        {t('Sign in again')}
      </Button>
    </Space>
  );
}

/** The user is locked out: until when, counting down; the code box below is disabled meanwhile. */
export function LockedNotice(props: { until: Date }) {
  const t = useT();
  const [, tick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, []);
  const seconds = Math.max(0, Math.ceil((props.until.getTime() - Date.now()) / 1000));
  return (
    <Alert
      type="warning"
      showIcon
      data-testid="two-factor-locked"
      message={t('Too many failed attempts')}
      description={joinSentences(t, t('Codes are not accepted until {{time}}.', { time: formatTime(props.until.toISOString()).slice(11) }), waitText(t, seconds))}
    />
  );
}
