/**
 * Just what this plugin uses of NocoBase's v2 client host (@nocobase/client-v2, @nocobase/flow-engine
 * and plugin-verification's v2 entry); the packages are not published to the registry.
 */
declare module '@nocobase/client-v2' {
  import type { ComponentType } from 'react';
  import type { APIClient } from '@nocobase/client';

  export interface ApplicationV2 {
    i18n: { t(key: string, options?: Record<string, unknown>): string };
    apiClient: APIClient;
    pm: { get(name: string): any };
    getPublicPath(): string;
    router: {
      add(name: string, options: { path: string; Component?: ComponentType<any>; skipAuthCheck?: boolean }): void;
      getBasename?(): string;
    };
    pluginSettingsManager: PluginSettingsManager;
    flowEngine: { registerModels(models: Record<string, unknown>): void };
  }
  export interface PluginSettingsManager {
    addMenuItem(options: { key: string; title?: string; icon?: string; aclSnippet?: string; sort?: number }): void;
    addPageTabItem(options: {
      menuKey: string;
      key: string;
      title: string;
      icon?: string;
      aclSnippet?: string;
      sort?: number;
      Component?: ComponentType<any>;
    }): void;
  }
  export class Plugin<T = any> {
    protected app: ApplicationV2;
    options: T;
    get router(): ApplicationV2['router'];
    get pluginSettingsManager(): PluginSettingsManager;
    afterAdd(): Promise<void>;
    beforeLoad(): Promise<void>;
    load(): Promise<void>;
    t(text: string, options?: Record<string, unknown>): string;
  }
  export interface Viewer {
    drawer(options: { title?: unknown; width?: string | number; closable?: boolean; content: (view: any) => unknown }): unknown;
  }
  /** An entry of the user-center menu; subclasses with an `itemId` are listed there. */
  export class UserCenterActionItemModel {
    static itemId: string;
    section: 'profile' | 'preferences' | 'system' | 'danger';
    sort: number;
    label: string;
    context: { viewer: Viewer; t(key: string, options?: Record<string, unknown>): string; [key: string]: any };
    getLabelNode?(): unknown;
    onClick(): unknown;
  }
  export function useApp(): ApplicationV2;
}

declare module '@nocobase/flow-engine' {
  import type { Viewer } from '@nocobase/client-v2';
  export function useFlowContext(): { viewer: Viewer; api: any; [key: string]: any };
}
