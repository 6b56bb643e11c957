/** Fresh proof for a change: the password, or a current code of a bound method that can give one here. */
import React from 'react';
import { Input, Radio, Space, Typography } from 'antd';
import { useApp } from '../shared/host';
import type { VerifierView } from '../shared/api';
import { titleOf } from '../shared/format';
import { useT } from '../shared/i18n';

export interface Proof {
  /** "password", or the name of the verifier whose code is given. */
  method: string;
  secret: string;
}

export const PASSWORD = 'password';

/** The proof as the server's twoFactorMe actions take it. */
export const proofBody = (proof: Proof) => (proof.method === PASSWORD ? { password: proof.secret } : { code: proof.secret, proofVerifier: proof.method });

export function ProofFields(props: { codeVerifiers: VerifierView[]; value: Proof; onChange: (v: Proof) => void; onEnter: () => void }) {
  const app = useApp();
  const t = useT();
  const { value, onChange, codeVerifiers } = props;
  const chosen = codeVerifiers.find((v) => v.name === value.method);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text>{codeVerifiers.length ? t('Confirm it is you with your password or a current code:') : t('Enter your account password to continue:')}</Typography.Text>
      {codeVerifiers.length > 0 && (
        <Radio.Group value={value.method} onChange={(e: any) => onChange({ method: e.target.value, secret: '' })}>
          <Radio value={PASSWORD}>{t('Password')}</Radio>
          {codeVerifiers.map((v) => (
            <Radio key={v.name} value={v.name}>
              {t('Code from {{method}}', { method: titleOf(app, t, v.title) })}
            </Radio>
          ))}
        </Radio.Group>
      )}
      {value.method === PASSWORD ? (
        <Input.Password
          autoFocus
          value={value.secret}
          placeholder={t('Your account password')}
          data-testid="two-factor-proof-password"
          onPressEnter={props.onEnter}
          onChange={(e: any) => onChange({ ...value, secret: e.target.value })}
        />
      ) : (
        <Input
          autoFocus
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={chosen?.codeLength || 64}
          value={value.secret}
          placeholder={t('Enter the code')}
          data-testid="two-factor-proof-code"
          onPressEnter={props.onEnter}
          onChange={(e: any) => onChange({ ...value, secret: String(e.target.value).replace(/\s/g, '') })}
        />
      )}
    </Space>
  );
}
