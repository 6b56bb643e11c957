/** The personal-center drawer in v2: v2's own drawer around the same content as v1's. */
import React, { lazy, Suspense } from 'react';
import { Spin } from 'antd';
import type { Viewer } from '@nocobase/client-v2';
import type { T } from '../client/shared/i18n';

const MethodsPanel = lazy(() => import('../client/user-center/MethodsPanel'));

export function openTwoFactorDrawer(viewer: Viewer, t: T) {
  viewer.drawer({
    title: t('Two-factor authentication'),
    width: '50%',
    closable: true,
    content: () => (
      <Suspense fallback={<Spin />}>
        <MethodsPanel />
      </Suspense>
    ),
  });
}
