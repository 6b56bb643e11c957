/** Security keys and passkeys (type `webauthn`): several per user, each with a name. */
import type { FactorUi } from '../types';
import { BindPanel } from './BindPanel';
import { KeyList } from './KeyList';
import { OptionsForm } from './OptionsForm';
import { VerifyPanel } from './VerifyPanel';

export const webauthnUi: FactorUi = { BindPanel, VerifyPanel, OptionsForm, Credentials: KeyList, noCode: true };
