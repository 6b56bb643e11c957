/**
 * The `/2fa` step of signing in (under NocoBase's auth layout, no session yet): verify a bound
 * factor, or bind one at the first sign-in, then show the backup codes once. Everything below
 * this page talks to the server through the challenge client, third-party forms included.
 */
import React, { useEffect, useMemo, useState } from 'react';
import { Spin } from 'antd';
import { APIClientProvider } from '../shared/host';
import { describeError } from '../shared/api';
import { useT } from '../shared/i18n';
import { readPending } from '../shared/pending';
import { BindStep } from './BindStep';
import { ChallengeInfo, useChallengeClient, useTwoFactorCall } from './challenge';
import { useExits } from './exits';
import { VerifyStep } from './VerifyStep';

export function TwoFactorPage() {
  const t = useT();
  const pending = useMemo(readPending, []);
  const api = useChallengeClient();
  const call = useTwoFactorCall(api);
  const exits = useExits();
  const [info, setInfo] = useState<ChallengeInfo | null>(null);

  useEffect(() => {
    if (!pending) return exits.backToSignIn(t('Please sign in first.'));
    call<ChallengeInfo>('getChallenge').then((res) => (res.ok ? setInfo(res.data) : exits.backToSignIn(describeError(t, res.error))));
    // The challenge dies at expiresAt: go back to sign-in then, with a message — unless the step
    // has already ended it (attempts used up), and says so itself.
    const ms = new Date(pending.expiresAt).getTime() - Date.now();
    const id = setTimeout(() => readPending() && exits.backToSignIn(t('Two-factor authentication has expired. Please sign in again.')), Math.max(ms, 0));
    return () => clearTimeout(id);
  }, [pending, call, exits, t]);

  if (!pending || !info) return <Spin />;
  const Step = info.stage === 'bind' ? BindStep : VerifyStep;
  return (
    <APIClientProvider apiClient={api}>
      <Step pending={pending} info={info} call={call} exits={exits} />
    </APIClientProvider>
  );
}
