#!/usr/bin/env node
/**
 * Every atomic guard has a test that fails without it. For each guard below, this takes the guard
 * out of a copy of the tree, runs the tests that stand for it, and expects at least one of them to
 * fail; then it checks that the same tests pass on the unchanged copy. Prints one line per guard
 * and exits non-zero if a guard's removal goes unnoticed.
 *
 *   npm run test:guards            every guard
 *   npm run test:guards -- lock    the guards whose name contains "lock"
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const T = (name) => `src/server/__tests__/${name}.test.ts`;

/** name, the file, the exact text of the guard, what it becomes without it, the tests that must notice. */
const GUARDS = [
  {
    name: 'challenge used once (status live in consume)',
    file: 'src/server/challenge.ts',
    find: "{ status: 'used' },\n      { where: { jti, status: 'live', expiresAt: { [Op.gt]: new Date() } } },",
    replace: "{ status: 'used' },\n      { where: { jti, expiresAt: { [Op.gt]: new Date() } } },",
    tests: [T('atomic-guards')],
  },
  {
    name: 'TOTP replay mark (only a later step)',
    file: 'src/server/attempts.ts',
    find: 'where: { key, lastStep: { [Op.lt]: step } }',
    replace: 'where: { key }',
    tests: [T('codes')],
  },
  {
    name: 'backup code used once',
    file: 'src/server/backup-codes.ts',
    find: 'hash: { [Op.in]: this.hashesOf(userId, normalized) }, usedAt: null }',
    replace: 'hash: { [Op.in]: this.hashesOf(userId, normalized) } }',
    tests: [T('atomic-guards'), T('recovery')],
  },
  {
    name: 'message code used once',
    file: 'src/server/factors/message-otp/engine.ts',
    find: "{ where: { id: row.get('id'), usedAt: null } }",
    replace: "{ where: { id: row.get('id') } }",
    tests: [T('atomic-guards')],
  },
  {
    name: 'device token rotated once (conditional on the old hash)',
    file: 'src/server/trusted-devices.ts',
    find: "{ where: { id: row.get('id'), tokenHash: row.get('tokenHash') } }",
    replace: "{ where: { id: row.get('id') } }",
    tests: [T('devices')],
  },
  {
    name: 'lockout refuses even a correct code',
    file: 'src/server/flows/code-check.ts',
    find: '  await services.attempts.assertNotLocked(userId, scope);\n}',
    replace: '  void services, scope, userId;\n}',
    tests: [T('codes'), T('code-check')],
  },
  {
    name: 'challenge dies after its attempts',
    file: 'src/server/attempts.ts',
    find: 'await onChallengeDead?.();',
    replace: 'void onChallengeDead;',
    tests: [T('code-check')],
  },
  {
    name: 'attempts charged before the check (a burst cannot outrun the lockout)',
    file: 'src/server/attempts.ts',
    find: 'if (reservation.dailyFailures > settings.dailyFailureLimit || reservation.userFailures > settings.lockoutThreshold) {',
    replace: 'if (false) {',
    tests: [T('code-check')],
  },
  {
    name: "a challenge's attempts charged before the check",
    file: 'src/server/attempts.ts',
    find: 'if (reservation.challengeFailures !== undefined && reservation.challengeFailures > settings.maxAttemptsPerChallenge) {',
    replace: 'if (false) {',
    tests: [T('code-check')],
  },
  {
    name: 'last-factor rule',
    file: 'src/server/policy.ts',
    find: 'return !(othersRequire && offered && remainingOffered.length === 0);',
    replace: 'return !!(othersRequire || offered || remainingOffered) || true;',
    tests: [T('me'), T('plugin-verification-page')],
  },
  {
    name: 'one factor change per user at a time (the lock)',
    file: 'src/server/flows/bindings.ts',
    find: 'if (taken === 1) break;',
    replace: 'if (taken >= 0) break;',
    tests: [T('atomic-guards')],
  },
  {
    name: 'one binding per verifier (commit check)',
    file: 'src/server/flows/bindings.ts',
    find: 'if (bound.includes(verifier.name) && !adding) throw new TwoFactorError(ERROR_CODES.ALREADY_BOUND);',
    replace: '',
    tests: [T('atomic-guards')],
  },
  {
    name: 'WebAuthn ceremony used once (taken out of the store before verifying)',
    file: 'src/server/factors/webauthn/store.ts',
    find: "const claimed = await this.ceremonies.destroy({ where: { id: row.get('id'), challenge: row.get('challenge') } });",
    replace: 'const claimed = 1;',
    tests: [T('webauthn')],
  },
  {
    name: 'WebAuthn ceremony of the personal center tied to its session',
    file: 'src/server/factors/webauthn/store.ts',
    find: "if ((row.get('session') ?? null) !== args.session) return null;",
    replace: '',
    tests: [T('webauthn')],
  },
  {
    name: 'WebAuthn signature counter stored only when it went up',
    file: 'src/server/factors/webauthn/store.ts',
    find: 'const counterRule = newCounter > 0 ? { counter: { [Op.lt]: newCounter } } : { counter: 0 };',
    replace: 'const counterRule = {};',
    tests: [T('webauthn')],
  },
  {
    name: 'a bind-stage challenge binds only while nothing offered is bound',
    file: 'src/server/flows/bindings.ts',
    find: 'if (args.stageBind?.some((name) => bound.includes(name))) throw new TwoFactorError(ERROR_CODES.CHALLENGE_INVALID);',
    replace: '',
    tests: [T('atomic-guards')],
  },
  {
    name: "plugin-verification's page judges only plain verifier names",
    file: 'src/server/plugin-verification-guard.ts',
    find: "if (typeof value !== 'string') throw badRequest(field, 'must be a verifier name');",
    replace: '',
    tests: [T('plugin-verification-page')],
  },
  {
    name: 'TOTP checked with the parameters it was enrolled with',
    file: 'src/server/factors/totp/factor.ts',
    find: 'boundTotpOptions(verifier.options, found.meta)',
    replace: 'totpOptions(verifier.options)',
    tests: [T('totp-params')],
  },
  {
    name: 'no message code as self-service proof',
    file: 'src/server/flows/proof.ts',
    find: '!picked || picked.factor.byMessage ||',
    replace: '!picked ||',
    tests: [T('email-otp')],
  },
  {
    name: 'fresh proof on plugin-verification bind',
    file: 'src/server/plugin-verification-guard.ts',
    find: '    await requireFreshProof(services, ctx, me.user, proofOf(values), me.settings);\n    // Its bind',
    replace: '    // Its bind',
    tests: [T('plugin-verification-page')],
  },
];

const only = process.argv[2];
const guards = GUARDS.filter((g) => !only || g.name.includes(only));

/** A copy of the working tree (without installed or generated folders) sharing node_modules. */
function copyTree() {
  const dir = mkdtempSync(path.join(tmpdir(), 'open2fa-guards-'));
  const skip = new Set(['node_modules', '.git', '.app', '.e2e', 'dist', 'storage']);
  cpSync(root, dir, { recursive: true, filter: (src) => !skip.has(path.basename(src)) || path.dirname(src) !== root });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Runs `files` with vitest in `dir`; true when every test passed. */
function passes(dir, files) {
  const res = spawnSync(path.join(root, 'node_modules/.bin/vitest'), ['run', '--reporter=dot', ...files], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, LOGGER_LEVEL: 'fatal' },
  });
  return res.status === 0;
}

const dir = copyTree();
let unnoticed = 0;
try {
  const everyTest = [...new Set(guards.flatMap((g) => g.tests))].filter((f) => {
    try {
      readFileSync(path.join(dir, f));
      return true;
    } catch {
      return false;
    }
  });
  if (!passes(dir, everyTest)) {
    console.error('The guard tests fail on the unchanged tree: fix them first (npx vitest run ' + everyTest.join(' ') + ').');
    process.exit(1);
  }
  for (const guard of guards) {
    const file = path.join(dir, guard.file);
    const original = readFileSync(file, 'utf8');
    if (!original.includes(guard.find)) {
      console.log(`✗ ${guard.name}: its code is not in ${guard.file} any more — update test/guards.mjs`);
      unnoticed++;
      continue;
    }
    writeFileSync(file, original.replace(guard.find, guard.replace));
    const tests = guard.tests.filter((f) => everyTest.includes(f));
    const noticed = !passes(dir, tests);
    writeFileSync(file, original);
    console.log(`${noticed ? '✓' : '✗'} ${guard.name}: ${noticed ? 'removing it fails' : 'removing it goes unnoticed by'} ${tests.map((t) => path.basename(t)).join(', ')}`);
    if (!noticed) unnoticed++;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nguards: ${guards.length - unnoticed} noticed, ${unnoticed} unnoticed`);
process.exit(unnoticed ? 1 : 0);
