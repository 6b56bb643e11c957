/** A TOTP verifier's options under Settings → Verification; ranges from src/shared/limits.ts. */
import React from 'react';
import { SchemaComponent } from '@nocobase/client';
import { TOTP_LIMITS } from '../../../shared/limits';
import { useT } from '../../shared/i18n';
import { field, note } from '../schema-field';

export function OptionsForm() {
  const t = useT();
  const { algorithms, digits, period, window } = TOTP_LIMITS;
  const properties = {
    algorithm: field(t('Algorithm'), 'Select', {
      default: algorithms[0],
      enum: algorithms.map((v) => ({ value: v, label: v })),
      description: note(t('SHA1 works with every authenticator app; some apps ignore other algorithms.')),
    }),
    digits: field(t('Digits'), 'Radio.Group', { type: 'number', default: digits[0], enum: digits.map((v) => ({ value: v, label: String(v) })) }),
    period: field(t('Period (seconds)'), 'InputNumber', {
      type: 'number',
      default: period.default,
      'x-component-props': { min: period.min, max: period.max, precision: 0 },
    }),
    window: field(t('Accepted clock drift (steps)'), 'InputNumber', {
      type: 'number',
      default: window.default,
      'x-component-props': { min: window.min, max: window.max, precision: 0 },
      description: note(t('How many periods before and after the current one are accepted.')),
    }),
    issuer: field(t('Issuer shown in the app'), 'Input', {
      'x-component-props': { maxLength: TOTP_LIMITS.issuerMaxLength },
      description: note(t('Defaults to the system title.')),
    }),
  };
  return <SchemaComponent schema={{ type: 'void', properties }} />;
}
