/**
 * The one place the shared screens get host services from (design §14): the app (API client,
 * i18n, public path, plugins), the API client in context, a scope that swaps that client for a
 * subtree, a verifier options form drawn from a field list, and the forms other plugins registered
 * with plugin-verification. This file is the v1 client's (`@nocobase/client`); the v2 build
 * replaces it with src/client-v2/host.tsx, which exports the same names (src/client-v2/contract.ts
 * checks that), so the screens are written once and rendered by both clients.
 */
import React, { useMemo } from 'react';
import { createForm } from '@formily/core';
import { FormProvider } from '@formily/react';
import { APIClient, APIClientProvider, SchemaComponent, useAPIClient, useApp as useV1App } from '@nocobase/client';
import type { OptionField } from './option-fields';

export type { APIClient, AxiosLike, RequestConfig } from '@nocobase/client';
export { APIClientProvider, useAPIClient };

/** What the screens use of the app: the same shape in v1 and v2. */
export interface HostApp {
  i18n: { t(key: string, options?: Record<string, unknown>): string };
  apiClient: APIClient;
  pm: { get(name: string): any };
  getPublicPath?(): string;
}

export const HOST_CLIENT: 'v1' | 'v2' = 'v1';

export function useApp(): HostApp {
  return useV1App();
}

/** A Formily field of a verifier options form; descriptions are elements, so `{{…}}` in them stays text. */
function schemaOf(f: OptionField) {
  const props: Record<string, unknown> = { ...(f.min !== undefined ? { min: f.min, max: f.max, precision: 0 } : {}) };
  if (f.maxLength) props.maxLength = f.maxLength;
  if (f.kind === 'textarea') props.autoSize = { minRows: 3 };
  if (f.kind === 'tags') Object.assign(props, { mode: 'tags', open: false, tokenSeparators: [',', ' '] });
  if (f.remote) props.manual = false;
  if (f.remote) props.fieldNames = { label: f.remote.label, value: f.remote.value };
  if (f.remote) props.service = { resource: f.remote.resource, params: { filter: f.remote.filter } };
  const component = { select: 'Select', tags: 'Select', radio: 'Radio.Group', number: 'InputNumber', text: 'Input', textarea: 'Input.TextArea', checkbox: 'Checkbox', 'remote-select': 'RemoteSelect' }[f.kind];
  return {
    type: f.kind === 'tags' ? 'array' : f.kind === 'number' || (f.kind === 'radio' && typeof f.default === 'number') ? 'number' : f.kind === 'checkbox' ? 'boolean' : 'string',
    title: f.label,
    'x-decorator': 'FormItem',
    'x-component': component,
    'x-component-props': props,
    ...(f.default !== undefined ? { default: f.default } : {}),
    ...(f.required ? { required: true } : {}),
    ...(f.choices ? { enum: f.choices } : {}),
    ...(f.help ? { description: <span>{f.help}</span> } : {}),
  };
}

/** A verifier's options (plugin-verification's AdminSettingsForm) from a field list. */
export function OptionFields(props: { fields: OptionField[] }) {
  const properties = Object.fromEntries(props.fields.map((f) => [f.name, schemaOf(f)]));
  return <SchemaComponent schema={{ type: 'void', properties }} />;
}

/** The forms a type registered with plugin-verification's client registry, if any. */
export function useRegistryForms(type: string): { VerificationForm?: React.ComponentType<any>; BindForm?: React.ComponentType<any> } | undefined {
  const app = useApp();
  try {
    return app.pm.get('verification')?.verificationManager?.getVerification(type)?.components;
  } catch {
    return undefined;
  }
}

/**
 * A registry form in a form of its own, with our button; everything it gathered is handed on.
 * In v1 the forms are Formily fields.
 */
export function RegistryForm(props: {
  Component: React.ComponentType<any>;
  props: Record<string, unknown>;
  render: (form: React.ReactNode, submit: () => Promise<Record<string, unknown>>) => React.ReactNode;
}) {
  const form = useMemo(() => createForm(), [props.Component]);
  const { Component } = props;
  return (
    <FormProvider form={form}>
      {props.render(<Component {...props.props} />, async () => {
        await form.submit();
        return { ...form.values };
      })}
    </FormProvider>
  );
}
