#!/usr/bin/env node
/**
 * Every browser test, one after the other, against one app: `node e2e/run.mjs <baseUrl>`.
 * Order matters: the /2fa test enforces 2FA for a role only, so root still signs in with a
 * password when the admin-tab test starts (and turns on "Enforce 2FA for all users"); the
 * security-key test puts back the policy it changed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.argv[2] || process.env.BASE_URL || 'http://localhost:13000';
let failed = 0;
for (const script of ['two-factor-page.mjs', 'webauthn.mjs', 'admin-and-personal-center.mjs']) {
  console.log(`\n== ${script}`);
  const res = spawnSync(process.execPath, [path.join(here, script), base], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
console.log(failed ? `\nbrowser tests: ${failed} script(s) failed` : '\nbrowser tests: all passed');
process.exit(failed ? 1 : 0);
