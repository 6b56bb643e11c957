import challenges from './two-factor-challenges';
import events from './two-factor-events';
import settings from './two-factor-settings';
import totpSteps from './two-factor-totp-steps';
import userStates from './two-factor-user-states';

export const collections = [settings, challenges, userStates, totpSteps, events];
