/**
 * The v2 client's host services for the shared screens: the same names as src/client/shared/host.tsx
 * (the v2 build puts this file in its place; ./contract.ts checks the two agree), built on
 * @nocobase/client-v2, which has neither `useAPIClient`, `APIClientProvider` nor Formily's schema
 * components. plugin-verification's v2 registry holds loaders of antd form parts instead of
 * components, so options and registry forms are antd forms here.
 */
import React, { createContext, lazy, ReactNode, Suspense, useContext, useEffect, useMemo, useState } from 'react';
import { Checkbox, Form, Input, InputNumber, Radio, Select, Space, Spin } from 'antd';
import { useApp as useV2App } from '@nocobase/client-v2';
import type { APIClient } from '../client/shared/host';
import type { HostApp } from '../client/shared/host';
import type { OptionField } from '../client/shared/option-fields';

export type { APIClient, AxiosLike, HostApp, RequestConfig } from '../client/shared/host';

export const HOST_CLIENT: 'v1' | 'v2' = 'v2';

export function useApp(): HostApp {
  return useV2App();
}

const ApiContext = createContext<APIClient | null>(null);

/** The API client for a subtree (the /2fa page's challenge client). */
export function APIClientProvider(props: { apiClient: APIClient; children?: ReactNode }) {
  return <ApiContext.Provider value={props.apiClient}>{props.children}</ApiContext.Provider>;
}

export function useAPIClient(): APIClient {
  const app = useV2App();
  return useContext(ApiContext) || app.apiClient;
}

function RemoteOptions(props: { field: OptionField; value?: unknown; onChange?: (v: unknown) => void }) {
  const api = useAPIClient();
  const { remote } = props.field;
  const [options, setOptions] = useState<{ value: string; label: string }[] | null>(null);
  useEffect(() => {
    if (!remote) return;
    api
      .request({ url: `${remote.resource}:list`, params: { filter: remote.filter, paginate: false } })
      .then((res: any) => setOptions((res?.data?.data || []).map((r: any) => ({ value: r[remote.value], label: r[remote.label] || r[remote.value] }))))
      .catch(() => setOptions([]));
  }, [api, remote]);
  return <Select loading={!options} options={options || []} value={props.value} onChange={props.onChange} allowClear />;
}

function inputOf(f: OptionField) {
  switch (f.kind) {
    case 'select':
      return <Select options={f.choices} />;
    case 'radio':
      return <Radio.Group options={f.choices} />;
    case 'number':
      return <InputNumber min={f.min} max={f.max} precision={0} />;
    case 'textarea':
      return <Input.TextArea maxLength={f.maxLength} autoSize={{ minRows: 3 }} />;
    case 'checkbox':
      return <Checkbox />;
    case 'remote-select':
      return <RemoteOptions field={f} />;
    case 'tags':
      return <Select mode="tags" open={false} tokenSeparators={[',', ' ']} />;
    default:
      return <Input maxLength={f.maxLength} />;
  }
}

/** A verifier's options inside plugin-verification's v2 verifier form (an antd form, values under `options`). */
export function OptionFields(props: { fields: OptionField[] }) {
  return (
    <>
      {props.fields.map((f) => (
        <Form.Item
          key={f.name}
          name={['options', f.name]}
          label={f.label}
          extra={f.help}
          initialValue={f.default}
          rules={f.required ? [{ required: true }] : undefined}
          valuePropName={f.kind === 'checkbox' ? 'checked' : 'value'}
        >
          {inputOf(f)}
        </Form.Item>
      ))}
    </>
  );
}

type Loader = () => Promise<{ default: React.ComponentType<any> }>;
const lazyForms = new Map<Loader, React.ComponentType<any>>();
const lazyOf = (loader?: Loader) => {
  if (!loader) return undefined;
  if (!lazyForms.has(loader)) lazyForms.set(loader, lazy(loader));
  return lazyForms.get(loader);
};

/** The forms a type registered with plugin-verification's v2 registry (as loaders), if any. */
export function useRegistryForms(type: string): { VerificationForm?: React.ComponentType<any>; BindForm?: React.ComponentType<any> } | undefined {
  const app = useApp();
  return useMemo(() => {
    try {
      const components = app.pm.get('verification')?.verificationManager?.getVerification(type)?.components;
      if (!components) return undefined;
      return { VerificationForm: lazyOf(components.VerificationFormLoader), BindForm: lazyOf(components.BindFormLoader) };
    } catch {
      return undefined;
    }
  }, [app, type]);
}

/** A registry form (antd form items) in an antd form of its own, with our button. */
export function RegistryForm(props: {
  Component: React.ComponentType<any>;
  props: Record<string, unknown>;
  render: (form: ReactNode, submit: () => Promise<Record<string, unknown>>) => ReactNode;
}) {
  const [form] = Form.useForm();
  const { Component } = props;
  return (
    <Form form={form} layout="vertical" component="div">
      {props.render(
        <Suspense fallback={<Spin />}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Component {...props.props} />
          </Space>
        </Suspense>,
        async () => {
          await form.validateFields();
          return { ...form.getFieldsValue(true) };
        },
      )}
    </Form>
  );
}
