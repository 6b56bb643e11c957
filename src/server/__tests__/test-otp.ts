/** A second-factor type from "another plugin", for tests: binds to "test-device", proves "424242". */
import { Verification } from '@nocobase/plugin-verification';
import type { MockServer } from '@nocobase/test';

export const TEST_OTP_CODE = '424242';

export class TestOtpVerification extends Verification {
  async verify({ verifyParams }: any) {
    if (verifyParams?.code !== TEST_OTP_CODE) this.ctx.throw(400, 'wrong test code');
    return {};
  }
  async bind() {
    return { uuid: 'test-device' };
  }
}

/** Registers the `test-otp` type (eligible for 2FA) and a verifier `test` of it. */
export async function addTestOtpVerifier(app: MockServer) {
  const manager = (app.pm.get('verification') as any).verificationManager;
  manager.registerVerificationType('test-otp', { title: 'Test OTP', bindingRequired: true, verification: TestOtpVerification });
  await app.db.getRepository('verifiers').create({ values: { name: 'test', title: 'Test', verificationType: 'test-otp' } });
  return manager;
}
