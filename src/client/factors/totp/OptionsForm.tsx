/** A TOTP verifier's options under Settings → Verification; ranges from src/shared/limits.ts. */
import React from 'react';
import { TOTP_LIMITS } from '../../../shared/limits';
import { OptionFields } from '../../shared/host';
import { useT } from '../../shared/i18n';
import type { OptionField } from '../../shared/option-fields';

export function OptionsForm() {
  const t = useT();
  const { algorithms, digits, period, window } = TOTP_LIMITS;
  const fields: OptionField[] = [
    {
      name: 'algorithm',
      label: t('Algorithm'),
      kind: 'select',
      default: algorithms[0],
      choices: algorithms.map((v) => ({ value: v, label: v })),
      help: t('SHA1 works with every authenticator app; some apps ignore other algorithms.'),
    },
    { name: 'digits', label: t('Digits'), kind: 'radio', default: digits[0], choices: digits.map((v) => ({ value: v, label: String(v) })) },
    { name: 'period', label: t('Period (seconds)'), kind: 'number', default: period.default, min: period.min, max: period.max },
    {
      name: 'window',
      label: t('Accepted clock drift (steps)'),
      kind: 'number',
      default: window.default,
      min: window.min,
      max: window.max,
      help: t('How many periods before and after the current one are accepted.'),
    },
    { name: 'issuer', label: t('Issuer shown in the app'), kind: 'text', maxLength: TOTP_LIMITS.issuerMaxLength, help: t('Defaults to the system title.') },
  ];
  return <OptionFields fields={fields} />;
}
