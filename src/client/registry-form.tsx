/**
 * Forms of verification types that other plugins register with plugin-verification's client
 * registry (`VerificationForm`, `BindForm`): rendered in a Formily form of their own, so a
 * third-party factor works on /2fa and in the personal center without changes here.
 */
import React, { useMemo } from 'react';
import { Button, Space } from 'antd';
import { createForm } from '@formily/core';
import { FormProvider } from '@formily/react';
import { FACTOR_TYPES } from '../constants';
import type { T } from './shared';

/** Types this plugin draws itself (codes from an app, or sent by message). */
const OWN_TYPES = new Set<string>(Object.values(FACTOR_TYPES));

export interface RegistryComponents {
  VerificationForm?: React.ComponentType<any>;
  BindForm?: React.ComponentType<any>;
  AdminSettingsForm?: React.ComponentType<any>;
}

/** The registered forms of a third-party type, or undefined for our own and unknown types. */
export function thirdPartyForms(app: any, type?: string): RegistryComponents | undefined {
  if (!type || OWN_TYPES.has(type)) return undefined;
  try {
    return app.pm.get('verification')?.verificationManager?.getVerification(type)?.components;
  } catch {
    return undefined;
  }
}

export function RegistryForm(props: {
  t: T;
  Component: React.ComponentType<any>;
  props: Record<string, unknown>;
  busy?: boolean;
  submitLabel: string;
  onSubmit: (values: Record<string, any>) => void;
}) {
  const form = useMemo(() => createForm(), [props.Component]);
  const { Component } = props;
  return (
    <FormProvider form={form}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Component {...props.props} />
        <Button
          type="primary"
          block
          loading={props.busy}
          data-testid="two-factor-registry-submit"
          onClick={async () => {
            await form.submit();
            props.onSubmit({ ...form.values });
          }}
        >
          {props.submitLabel}
        </Button>
      </Space>
    </FormProvider>
  );
}
