/**
 * Email OTP (design §5): codes mailed through a NocoBase notification email channel chosen in the
 * verifier's options. The channel is called directly (not through the notification manager's
 * send log), so no code is ever written to the database in clear.
 */
import { FACTOR_TYPES, NAMESPACE } from '../../../constants';
import { EMAIL_OTP_LIMITS } from '../../../shared/limits';
import type { VerifierDirectory, VerifierInfo } from '../../verifiers';
import { maskEmail } from './engine';
import { Delivery, intOption, messageFactor } from './factor';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;

export const DEFAULT_SUBJECT = 'Your verification code';
export const DEFAULT_BODY = 'Your verification code is {{code}}. It expires in {{minutes}} minutes. If you did not try to sign in, change your password now.';

function fill(template: string, values: Record<string, string>) {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, k) => (k in values ? values[k] : m));
}

function otpOptions(verifier: VerifierInfo) {
  const o = verifier.options || {};
  const L = EMAIL_OTP_LIMITS;
  return {
    codeLength: intOption(o.codeLength, L.codeLength.default, L.codeLength.min, L.codeLength.max),
    lifetime: intOption(o.lifetime, L.lifetime.default, L.lifetime.min, L.lifetime.max),
    resendInterval: intOption(o.resendInterval, L.resendInterval.default, L.resendInterval.min, L.resendInterval.max),
  };
}

/** Problems with an email-otp verifier's options, as `[field, reason]` pairs. */
export function emailOtpOptionProblems(raw: unknown): [string, string][] {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const problems: [string, string][] = [];
  const known = new Set(['channel', 'codeLength', 'lifetime', 'resendInterval', 'subject', 'body', 'ownAddressOnly']);
  for (const key of Object.keys(o)) if (!known.has(key)) problems.push([key, 'is not a known option']);
  for (const key of ['codeLength', 'lifetime', 'resendInterval'] as const) {
    const { min, max } = EMAIL_OTP_LIMITS[key];
    const v = o[key];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
      problems.push([key, `must be an integer between ${min} and ${max}`]);
    }
  }
  const own = o.ownAddressOnly;
  if (own !== undefined && own !== null && typeof own !== 'boolean') problems.push(['ownAddressOnly', 'must be a boolean']);
  const L = EMAIL_OTP_LIMITS;
  for (const [key, max] of [['channel', L.channelMaxLength], ['subject', L.subjectMaxLength], ['body', L.bodyMaxLength]] as const) {
    const v = o[key];
    if (v !== undefined && v !== null && (typeof v !== 'string' || v.length > max)) problems.push([key, `must be a string of at most ${max} characters`]);
  }
  return problems;
}

export const emailDelivery: Delivery = {
  type: FACTOR_TYPES.emailOtp,
  defaultReceiver: (user) => user.get('email') || null,
  isValidReceiver: (r) => EMAIL.test(r) && r.length <= 320,
  ownReceiverOnly: (verifier) => verifier.options?.ownAddressOnly === true,
  sameReceiver: (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase(),
  mask: maskEmail,
  otpOptions,

  async send({ deps, ctx, verifier, receiver, code, expiresAt }) {
    const channelName = verifier.options?.channel;
    if (!channelName) throw new Error('no notification channel is chosen in the verifier options');
    const notifications = deps.app.pm.get('notification-manager') as any;
    if (!notifications?.channelTypes) throw new Error('the notification manager plugin is not enabled');
    const channel = await notifications.getChannel(channelName);
    if (!channel) throw new Error(`notification channel "${channelName}" does not exist`);
    if (channel.notificationType !== 'email') throw new Error(`notification channel "${channelName}" is not an email channel`);
    const Channel = notifications.channelTypes.get('email')?.Channel;
    if (!Channel) throw new Error('the email notification plugin is not enabled');
    const t = (text: string) => (ctx?.t ? ctx.t(text, { ns: NAMESPACE }) : text);
    const values = { code, minutes: String(Math.max(1, Math.round((expiresAt.getTime() - Date.now()) / 60000))), email: receiver };
    const message = {
      to: [receiver],
      subject: fill(verifier.options?.subject || t(DEFAULT_SUBJECT), values),
      contentType: 'text',
      text: fill(verifier.options?.body || t(DEFAULT_BODY), values),
    };
    const result = await new Channel(deps.app).send({ message, channel });
    if (result?.status && result.status !== 'success') throw new Error(result.reason || 'the email channel refused the message');
  },
};

export const emailOtpFactor = messageFactor(emailDelivery);

/**
 * The email channel of the first email-OTP verifier that names one, among `emailChannels`
 * (security notices go by email through it).
 */
export async function emailChannelOf(verifiers: Pick<VerifierDirectory, 'eligibleVerifiers'>) {
  return (await verifiers.eligibleVerifiers()).filter((v) => v.verificationType === FACTOR_TYPES.emailOtp).map((v) => v.options?.channel as string | undefined);
}
