/** Just what this plugin uses of @nocobase/client (the package itself is not installable here). */
declare module '@nocobase/client' {
  import type { ComponentType, ReactNode } from 'react';

  export interface RequestConfig {
    url?: string;
    method?: string;
    data?: unknown;
    params?: Record<string, unknown>;
    headers?: Record<string, string>;
    baseURL?: string;
    [option: string]: unknown;
  }
  export interface AxiosLike {
    request(config: RequestConfig): Promise<any>;
    defaults: { baseURL?: string; headers?: Record<string, unknown> };
    interceptors: {
      request: { use(onFulfilled: (config: any) => any, onRejected?: (error: any) => any): number; eject(id: number): void };
      response: { use(onFulfilled: (res: any) => any, onRejected?: (error: any) => any): number; eject(id: number): void };
    };
  }
  /** The app's API client (@nocobase/sdk's APIClient with the client's interceptors). */
  export interface APIClient {
    axios: AxiosLike;
    request(config: RequestConfig): Promise<any>;
    resource(name: string, of?: unknown, headers?: Record<string, string>): any;
    auth: { setToken(token: string): void; setAuthenticator?(name: string): void; [key: string]: any };
  }
  export interface VerificationManager {
    getVerification(type: string): { components?: Record<string, ComponentType<any> | undefined> } | undefined;
    registerVerificationType(type: string, options: { components: Record<string, ComponentType<any>> }): void;
  }
  export class Plugin<T = any> {
    app: Application;
    options: T;
    afterAdd(): Promise<void>;
    beforeLoad(): Promise<void>;
    load(): Promise<void>;
    t(text: string, options?: Record<string, unknown>): string;
  }
  export interface Application {
    i18n: { t(key: string, options?: Record<string, unknown>): string; addResources?(lng: string, ns: string, resources: Record<string, string>): void };
    apiClient: APIClient;
    pm: { get(name: string): any };
    router: { add(name: string, options: { path: string; Component: any; skipAuthCheck?: boolean }): void };
    pluginSettingsManager: { add(name: string, options: { title: string; icon?: string; Component: any; aclSnippet?: string; sort?: number }): void };
    addUserCenterSettingsItem(item: { name: string; Component: any; sort?: number }): void;
    getPublicPath?(): string;
  }
  export function useApp(): Application;
  export function useAPIClient(): APIClient;
  export function usePlugin<T = any>(nameOrClass: string | (new (...args: any[]) => T)): T;
  export const APIClientProvider: ComponentType<{ apiClient: APIClient; children?: ReactNode }>;
  export const SchemaComponent: any;
  export const SchemaSettingsItem: any;
  export const DropdownVisibleContext: any;
}
declare module '@formily/react' {
  export const FormProvider: any;
}
