/** The authenticator-app factor (type `totp`). */
import type { FactorUi } from '../types';
import { BindPanel } from './BindPanel';
import { OptionsForm } from './OptionsForm';
import { VerifyPanel } from './VerifyPanel';

export const totpUi: FactorUi = { BindPanel, VerifyPanel, OptionsForm };
