/** Just what this plugin uses of @nocobase/client (the package itself is not installable here). */
declare module '@nocobase/client' {
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
    apiClient: any;
    pm: { get(name: string): any };
    router: { add(name: string, options: { path: string; Component: any; skipAuthCheck?: boolean }): void };
    pluginSettingsManager: { add(name: string, options: { title: string; icon?: string; Component: any; aclSnippet?: string; sort?: number }): void };
    addUserCenterSettingsItem(item: { name: string; Component: any; sort?: number }): void;
    getPublicPath?(): string;
  }
  export const SchemaComponent: any;
  export const SchemaSettingsItem: any;
  export const DropdownVisibleContext: any;
}
declare module '@formily/react' {
  export const FormProvider: any;
}
