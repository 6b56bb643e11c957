/**
 * Verification types other plugins register with plugin-verification's client registry: their own
 * `VerificationForm` and `BindForm`, each in a form of its own (Formily in v1, antd in v2: ../shared/host), so a third-party factor
 * works on /2fa and in the personal center without changes here. Everything the form gathered is
 * sent on (not only `code`), since the type's server side reads its own fields. On /2fa the page's
 * API client carries the challenge header, so the form's own requests have it too (design §4.7).
 */
import React, { useEffect } from 'react';
import { Button, Space, Typography } from 'antd';
import { RESOURCES } from '../../constants';
import { CodeInput } from '../shared/components';
import { RegistryForm as HostRegistryForm, useRegistryForms } from '../shared/host';
import { useT } from '../shared/i18n';
import type { BindPanelProps, CodeValues, FactorUi, VerifyPanelProps } from './types';

function RegistryForm(props: {
  Component: React.ComponentType<any>;
  props: Record<string, unknown>;
  busy?: boolean;
  submitLabel: string;
  onSubmit: (values: CodeValues) => void;
}) {
  return (
    <HostRegistryForm
      Component={props.Component}
      props={props.props}
      render={(form, submit) => (
        <Space direction="vertical" style={{ width: '100%' }}>
          {form}
          <Button
            type="primary"
            block
            loading={props.busy}
            data-testid="two-factor-registry-submit"
            onClick={async () => props.onSubmit(await submit())}
          >
            {props.submitLabel}
          </Button>
        </Space>
      )}
    />
  );
}

function BindPanel(props: BindPanelProps) {
  const t = useT();
  const { verifier, step } = props;
  const BindForm = useRegistryForms(verifier.verificationType)?.BindForm;
  useEffect(() => {
    // Our bindStart prepares nothing for these types, but it checks the method is offered.
    if (step === 'sign-in') props.start();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const signIn = step === 'sign-in';
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      {BindForm ? (
        <RegistryForm
          Component={BindForm}
          props={{ verifier: verifier.name, actionType: `${signIn ? RESOURCES.twoFactor : RESOURCES.me}:bind`, isLogged: !signIn }}
          busy={props.busy}
          submitLabel={t('Confirm')}
          onSubmit={props.confirm}
        />
      ) : (
        <>
          <Typography.Text>{t('Enter the code:')}</Typography.Text>
          <CodeInput length={verifier.codeLength} disabled={props.busy} busy={props.busy} submitLabel={t('Confirm')} onSubmit={(code) => props.confirm({ code })} />
        </>
      )}
    </Space>
  );
}

function VerifyPanel(props: VerifyPanelProps) {
  const t = useT();
  const { verifier } = props;
  const VerificationForm = useRegistryForms(verifier.verificationType)?.VerificationForm;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('Enter the code from your authenticator app.')}</Typography.Text>
      {VerificationForm ? (
        <RegistryForm
          Component={VerificationForm}
          props={{ verifier: verifier.name, actionType: `${RESOURCES.twoFactor}:verify`, boundInfo: verifier.boundInfo, isLogged: false }}
          busy={props.busy}
          submitLabel={t('Verify')}
          onSubmit={props.submit}
        />
      ) : (
        <CodeInput
          length={verifier.codeLength}
          disabled={props.busy || props.disabled}
          busy={props.busy}
          submitLabel={t('Verify')}
          onSubmit={(code) => props.submit({ code })}
        />
      )}
    </Space>
  );
}

export const thirdPartyUi: FactorUi = { BindPanel, VerifyPanel };
