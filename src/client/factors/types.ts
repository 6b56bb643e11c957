/**
 * What a factor type brings to the client: the panels the /2fa page and the personal center draw
 * for it. Screens look the type up (./index.ts) and never ask which type it is.
 */
import type { ComponentType } from 'react';
import type { CredentialView, Result, VerifierView } from '../shared/api';

/** A code, and whatever else a third-party form gathered. */
export interface CodeValues {
  code?: string;
  [field: string]: unknown;
}

export interface BindPanelProps {
  verifier: VerifierView;
  /**
   * `sign-in`: on /2fa, where the panel begins the setup itself (at once, or once a receiver is
   * typed) and then asks for the code. `confirm`: in the personal center, after the proof began
   * the setup; the panel shows it and asks for the code.
   */
  step: 'sign-in' | 'confirm';
  /** The answer of bindStart once the setup has begun (QR and key, masked receiver…), else null. */
  started: Record<string, any> | null;
  /** Begin the setup, or begin it again (a new code sent to the receiver). */
  start: () => Promise<Result<any>>;
  /** Where codes are sent, as typed by the user (message types). */
  receiver: string;
  setReceiver: (value: string) => void;
  confirm: (values: CodeValues) => void;
  busy: boolean;
  setError: (error: string | null) => void;
}

export interface VerifyPanelProps {
  verifier: VerifierView;
  busy: boolean;
  /** A code to the bound receiver (message types). */
  sendCode: () => Promise<Result<any>>;
  /** Begin a verification the server prepares first (verifyStart: a security key's options). */
  start: () => Promise<Result<any>>;
  submit: (values: CodeValues) => void;
  setError: (error: string | null) => void;
  /** Nothing may be sent now (the user is locked out): the panel's inputs are disabled. */
  disabled?: boolean;
}

export interface ReceiverFieldProps {
  verifier: VerifierView;
  value: string;
  onChange: (value: string) => void;
}

/** The several credentials of one verifier (security keys), under its row in the personal center. */
export interface CredentialsProps {
  verifier: VerifierView;
  /** Open the setup of one more credential (fresh proof first). */
  onAdd: () => void;
  /** Open the removal of one credential (fresh proof first). */
  onRemove: (credential: CredentialView) => void;
  /** Something changed (a rename): read the list again. */
  onChange: () => void;
}

export interface FactorUi {
  BindPanel: ComponentType<BindPanelProps>;
  VerifyPanel: ComponentType<VerifyPanelProps>;
  /** The verifier's options under Settings → Verification (plugin-verification's AdminSettingsForm). */
  OptionsForm?: ComponentType;
  /** Asked before the setup begins, where the personal center asks for the proof. */
  ReceiverField?: ComponentType<ReceiverFieldProps>;
  /**
   * Codes come by message: setup begins by sending one, and such a code can't prove who you are
   * in the personal center (nothing sends it there).
   */
  sendsCodes?: boolean;
  /** Nothing is typed (security keys): no code of it can prove who you are in the personal center. */
  noCode?: boolean;
  /** The type keeps several credentials per user: the personal center lists them with this. */
  Credentials?: ComponentType<CredentialsProps>;
}
