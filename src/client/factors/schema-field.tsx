/** A Formily field of a verifier options form; descriptions are elements, so `{{…}}` in them stays text. */
import React from 'react';

export const field = (title: string, component: string, extra: Record<string, unknown> = {}) => ({
  type: 'string',
  title,
  'x-decorator': 'FormItem',
  'x-component': component,
  ...extra,
});

export const note = (text: string) => <span>{text}</span>;
