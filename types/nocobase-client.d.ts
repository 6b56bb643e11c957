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
    i18n: { addResources?(lng: string, ns: string, resources: Record<string, string>): void };
    apiClient: any;
    router: { add(name: string, options: { path: string; Component: any; skipAuthCheck?: boolean }): void };
    pluginSettingsManager: any;
    getPublicPath?(): string;
  }
}
