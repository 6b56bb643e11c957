/**
 * Personal center → "Two-factor authentication": the user-center menu entry, which closes the
 * menu and opens a drawer (like NocoBase's own items). The drawer's content loads on first open.
 */
import React, { lazy, Suspense, useContext, useEffect, useState } from 'react';
import { Drawer, Spin } from 'antd';
import { DropdownVisibleContext, SchemaSettingsItem } from '@nocobase/client';
import { useT } from '../shared/i18n';
import { onOpenPersonalCenter } from '../shared/personal-center';

const MethodsPanel = lazy(() => import('./MethodsPanel'));

export function TwoFactorMenuItem() {
  const t = useT();
  const dropdown = useContext(DropdownVisibleContext) as any;
  const [open, setOpen] = useState(false);
  // Opened from elsewhere too: the pointer our types show on plugin-verification's page.
  useEffect(() => onOpenPersonalCenter(() => setOpen(true)), []);
  return (
    <>
      <SchemaSettingsItem eventKey="two-factor" title={t('Two-factor authentication')}>
        <div
          data-testid="two-factor-user-center"
          onClick={(e: any) => {
            e.stopPropagation();
            dropdown?.setVisible?.(false);
            setOpen(true);
          }}
        >
          {t('Two-factor authentication')}
        </div>
      </SchemaSettingsItem>
      {open && (
        <div onClick={(e) => e.stopPropagation()}>
          <Drawer open width={640} title={t('Two-factor authentication')} onClose={() => setOpen(false)} destroyOnClose>
            <Suspense fallback={<Spin />}>
              <MethodsPanel />
            </Suspense>
          </Drawer>
        </div>
      )}
    </>
  );
}
