/** Server-side pagination state for an antd Table: page, size, total, and the "Total N" line. */
import { useState } from 'react';
import type { T } from '../shared/i18n';

export function usePaging(t: T) {
  const [page, setPage] = useState({ current: 1, pageSize: 20 });
  const first = () => setPage((p) => ({ ...p, current: 1 }));
  const pagination = (total: number) => ({
    current: page.current,
    pageSize: page.pageSize,
    total,
    showSizeChanger: true,
    showTotal: (count: number) => t('Total {{count}}', { count }),
    onChange: (current: number, pageSize: number) => setPage({ current, pageSize }),
  });
  return { page, first, pagination };
}
