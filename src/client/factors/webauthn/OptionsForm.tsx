/** A webauthn verifier's options under Settings → Verification; ranges from src/shared/limits.ts. */
import React from 'react';
import { WEBAUTHN_LIMITS } from '../../../shared/limits';
import { OptionFields } from '../../shared/host';
import { useT } from '../../shared/i18n';
import type { OptionField } from '../../shared/option-fields';

export function OptionsForm() {
  const t = useT();
  const L = WEBAUTHN_LIMITS;
  const fields: OptionField[] = [
    { name: 'rpName', label: t('Site name shown by the browser'), kind: 'text', maxLength: L.rpNameMaxLength, help: t('Defaults to the system title.') },
    {
      name: 'rpID',
      label: t('Relying party ID (domain)'),
      kind: 'text',
      maxLength: L.rpIdMaxLength,
      help: t('The domain keys are bound to: the host users open, or a parent domain of it. Defaults to the host of the request. Keys stop working when it changes; an IP address cannot be used.'),
    },
    {
      name: 'origins',
      label: t('Allowed origins'),
      kind: 'tags',
      maxLength: L.origins.maxLength,
      help: t('The addresses the app is opened at (scheme, host and port), e.g. https://app.example.com. Defaults to the origin of the request; behind a proxy, list the public address.'),
    },
    {
      name: 'userVerification',
      label: t('User verification (PIN or biometric)'),
      kind: 'radio',
      default: 'discouraged',
      choices: [
        { value: 'discouraged', label: t('Not needed (the password is the first factor)') },
        { value: 'preferred', label: t('Preferred') },
        { value: 'required', label: t('Required') },
      ],
      help: t('With "Required", keys that cannot check a PIN or biometric are refused.'),
    },
    { name: 'timeout', label: t('Prompt timeout (milliseconds)'), kind: 'number', default: L.timeout.default, min: L.timeout.min, max: L.timeout.max },
  ];
  return <OptionFields fields={fields} />;
}
