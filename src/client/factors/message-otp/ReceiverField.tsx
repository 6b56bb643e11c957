/** Where a message factor sends its codes: an email address (default: the account's) or a phone number. */
import React from 'react';
import { Input } from 'antd';
import { FACTOR_TYPES } from '../../../constants';
import { useT } from '../../shared/i18n';
import type { ReceiverFieldProps } from '../types';

export function ReceiverField(props: ReceiverFieldProps) {
  const t = useT();
  return (
    <Input
      value={props.value}
      onChange={(e: any) => props.onChange(e.target.value)}
      placeholder={props.verifier.verificationType === FACTOR_TYPES.emailOtp ? t('Email address (default: your account email)') : t('Phone number')}
    />
  );
}
