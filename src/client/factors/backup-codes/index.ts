/**
 * Backup codes: not bound like the other factors but handed out with the first one, shown once,
 * and accepted at sign-in in place of any of them.
 */
export { CodesPanel } from './CodesPanel';
export { VerifyPanel } from './VerifyPanel';
