/**
 * What plugin-verification's Verification page shows for our types, in both clients: our types
 * are managed in our personal-center item only. Its bind dialog says where, with a button that
 * closes the dialog and opens that item; the dialog's own Bind button is hidden (the server would
 * refuse it: TWO_FACTOR_USE_TWO_FACTOR_PAGE). Each client says how the item opens (`onOpen`).
 */
import React, { useRef } from 'react';
import { Alert, Button } from 'antd';
import { useT } from '../shared/i18n';

const HIDE_DIALOG_SUBMIT =
  '.ant-modal-content:has([data-open2fa-pointer]) .ant-modal-footer, .ant-modal-content:has([data-open2fa-pointer]) .ant-btn-primary[type=submit] { display: none; }';

export function PersonalCenterPointer(props: { onOpen: () => void }) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div ref={ref} data-open2fa-pointer="" data-testid="two-factor-pointer">
      <style>{HIDE_DIALOG_SUBMIT}</style>
      <Alert
        type="info"
        showIcon
        message={t('Set this up under Two-factor authentication')}
        description={t('Authenticator apps, email codes and security keys for signing in are managed there, with your backup codes and trusted devices.')}
        action={
          <Button
            type="primary"
            data-testid="two-factor-pointer-open"
            onClick={() => {
              (ref.current?.closest('.ant-modal-content')?.querySelector('.ant-modal-close') as HTMLElement | null)?.click();
              props.onOpen();
            }}
          >
            {t('Open')}
          </Button>
        }
      />
    </div>
  );
}

/** Types with nothing to type (security keys): their unbind dialog points to our screens. */
export function ManageOnOurPage() {
  const t = useT();
  return <Alert type="info" showIcon message={t('Manage this in the personal center: Two-factor authentication.')} />;
}
