/**
 * A verifier options form as data: each host draws it its own way (v1: Formily fields in
 * plugin-verification's form; v2: antd form items under `options`), see ./host.
 */
export interface OptionField {
  name: string;
  label: string;
  /** `tags`: a list of strings, typed one after another. */
  kind: 'select' | 'radio' | 'number' | 'text' | 'textarea' | 'checkbox' | 'remote-select' | 'tags';
  default?: string | number | boolean;
  required?: boolean;
  choices?: { value: string | number; label: string }[];
  /** Whole numbers within [min, max]. */
  min?: number;
  max?: number;
  maxLength?: number;
  help?: string;
  /** Choices listed from a resource of the app. */
  remote?: { resource: string; filter?: Record<string, unknown>; label: string; value: string };
}
