/** A section title of the personal-center drawer, with an action on the right. */
import React from 'react';
import { Typography } from 'antd';

export function SectionHeader(props: { title: string; extra?: React.ReactNode }) {
  return (
    <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', margin: '24px 0 12px' }}>
      <Typography.Title level={5} style={{ margin: 0 }}>
        {props.title}
      </Typography.Title>
      {props.extra}
    </div>
  );
}
